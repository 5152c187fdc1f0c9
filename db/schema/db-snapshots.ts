import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { releases } from './releases';
import { servers } from './servers';

/** A `pg_dump -Fc` of the app's database taken on its data server before a migration hook ran. */
export const dbSnapshots = pgTable('db_snapshots', {
  id: uuid('id').primaryKey().defaultRandom(),
  appId: uuid('app_id')
    .notNull()
    .references(() => apps.id, { onDelete: 'cascade' }),
  releaseId: uuid('release_id').references(() => releases.id, { onDelete: 'set null' }),
  serverId: uuid('server_id')
    .notNull()
    .references(() => servers.id, { onDelete: 'cascade' }),
  /** Where the dump lies on that server. */
  path: text('path').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  restoredAt: timestamp('restored_at', { withTimezone: true }),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

export type DbSnapshot = typeof dbSnapshots.$inferSelect;

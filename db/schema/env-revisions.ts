import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { servers } from './servers';
import { users } from './users';

/** What a save did to one key. Names only: a revision's values stay sealed in its snapshot. */
export type EnvChange = { key: string; kind: 'added' | 'changed' | 'removed' };

export const ENV_REVISION_SOURCES = ['edit', 'paste', 'restore', 'pull', 'managed', 'api'] as const;
export type EnvRevisionSource = (typeof ENV_REVISION_SOURCES)[number];

/**
 * Every save of an app's environment (numbered 1, 2, 3… per app). The whole environment at that
 * point is one sealed JSON snapshot (AAD `apps:<appId>:env-revision:<number>`), so restoring or
 * pushing a revision needs no other row. `changes` lists keys only, never values.
 */
export const envRevisions = pgTable(
  'env_revisions',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    sealedSnapshot: text('sealed_snapshot').notNull(),
    changes: jsonb('changes').$type<EnvChange[]>().notNull(),
    source: text('source', { enum: ENV_REVISION_SOURCES }).notNull(),
    /** restore: the revision brought back. */
    restoredFrom: integer('restored_from'),
    /** pull: the server whose .env was imported. */
    pulledFrom: uuid('pulled_from').references(() => servers.id, { onDelete: 'set null' }),
    /** Null when Berth itself saved it (generated database and Redis credentials). */
    createdBy: integer('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.number] })],
);

export type EnvRevision = typeof envRevisions.$inferSelect;

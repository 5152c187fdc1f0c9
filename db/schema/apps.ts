import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { AppConfig } from '@/lib/model/app-config';
import { servers } from './servers';

/** An app and its configuration (validated by lib/model/app-config.ts before it is stored). */
export const apps = pgTable('apps', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  config: jsonb('config').$type<AppConfig>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  /** Set when an admin asked to delete the app (lib/apps/delete.ts): nothing configures or releases it again; each server's placement goes once its teardown succeeds. */
  deletingAt: timestamp('deleting_at', { withTimezone: true }),
  /** Asked with the delete: its database, role and Redis user go too. */
  deleteData: boolean('delete_data').notNull().default(false),
});

/** Where an app runs: web servers serve HTTP, worker servers run queue workers and the scheduler. */
export const appServers = pgTable(
  'app_servers',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    roles: text('roles').array().notNull().default(['web', 'worker']),
    /** The env revision last written to this server's shared/.env (null: never pushed). */
    envRevision: integer('env_revision'),
    envPushedAt: timestamp('env_pushed_at', { withTimezone: true }),
    /** Why the last push to this server failed; cleared by a push that succeeds. */
    envPushError: text('env_push_error'),
    /** Set when the app is being taken off this server (teardown queued or failed): configure skips it; the row goes when teardown succeeds. */
    removingAt: timestamp('removing_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.appId, t.serverId] })],
);

export type App = typeof apps.$inferSelect;
export type AppServer = typeof appServers.$inferSelect;

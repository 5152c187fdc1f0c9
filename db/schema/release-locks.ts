import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { releases } from './releases';
import { servers } from './servers';

/**
 * An app's release lock on a server that a step may still hold after its panel stopped (the
 * step's command runs on; the lock goes with it). Recorded when a release is interrupted mid-step
 * or a release meets the lock busy; Deploy and the webhook refuse while one exists, and the
 * periodic check removes it once the lock is free on the server.
 */
export const releaseLockHolds = pgTable(
  'release_lock_holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    /** The release whose step holds it, when Berth knows. */
    releaseId: uuid('release_id').references(() => releases.id, { onDelete: 'set null' }),
    /** e.g. "step build of deploy #7 (interrupted when the panel stopped)". */
    holder: text('holder').notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
  },
  (t) => [index('release_lock_holds_app_idx').on(t.appId)],
);

export type ReleaseLockHold = typeof releaseLockHolds.$inferSelect;

import { integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { servers } from './servers';
import { users } from './users';

export const DRIFT_CHANGES = ['changed', 'missing', 'unexpected', 'stopped'] as const;
export type DriftChange = (typeof DRIFT_CHANGES)[number];

/**
 * Something on a server that differs from what Berth's plan says should be there, as the last
 * drift check saw it: a managed file changed, deleted or left behind (app set), or a service
 * stopped (app null). A row lives while the drift does; the next check that finds the server
 * as planned deletes it. Dismissing holds until the drift itself changes (`fingerprint`).
 */
export const driftFindings = pgTable(
  'drift_findings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    appId: uuid('app_id').references(() => apps.id, { onDelete: 'cascade' }),
    /** A file's path, or a service's name. */
    subject: text('subject').notNull(),
    change: text('change', { enum: DRIFT_CHANGES }).notNull(),
    /** Server → Berth, unified; a file holding a secret says so instead. */
    diff: text('diff'),
    fingerprint: text('fingerprint').notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
    dismissedBy: integer('dismissed_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('drift_findings_subject_idx').on(t.serverId, t.subject)],
);

export type DriftFinding = typeof driftFindings.$inferSelect;
export type NewDriftFinding = typeof driftFindings.$inferInsert;

import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { users } from './users';

export const RELEASE_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'rolled_back', 'interrupted', 'cancelled'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export const releaseStatusEnum = pgEnum('release_status', RELEASE_STATUSES);

/**
 * A deploy (a new `releases/<number>` on every server of the app) or a rollback (switching back
 * to an earlier deploy's directory). Each server's part is a recipe run with this release_id,
 * so every task is recorded per server. At most one queued or running release per app: the
 * partial unique index is the app's lock, taken atomically by the insert.
 */
export const releases = pgTable(
  'releases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['deploy', 'rollback'] }).notNull(),
    /** Deploys only: the directory name under releases/ (1, 2, 3… per app). */
    number: integer('number'),
    /** Rollbacks: the deploy whose directory becomes current again. */
    targetId: uuid('target_id').references((): AnyPgColumn => releases.id),
    /** What was asked for (a branch or a sha) and what it resolved to. */
    ref: text('ref').notNull(),
    sha: text('sha'),
    subject: text('subject'),
    /** The env revision the release wrote to shared/.env (rollback can bring it back). */
    envRevision: integer('env_revision'),
    /** Rollbacks: the target's env revision was restored when it was requested, and is written to shared/.env. */
    restoresEnv: boolean('restores_env').notNull().default(false),
    trigger: text('trigger', { enum: ['button', 'redeploy', 'webhook', 'rollback', 'auto-rollback'] }).notNull(),
    requestedBy: integer('requested_by').references(() => users.id),
    status: releaseStatusEnum('status').notNull().default('queued'),
    failedStep: text('failed_step'),
    error: text('error'),
    /** Rolled back from (by hand or by a failed health check): "roll back to previous" skips it. */
    bad: boolean('bad').notNull().default(false),
    /** Kept by cleanup whatever its age. */
    pinned: boolean('pinned').notNull().default(false),
    /** Deploys: to one server first (gate, health, watch window), then the rest; a failure there leaves the rest untouched. */
    canary: boolean('canary').notNull().default(false),
    /** A running release asked to stop: its job sees it within a second (before the switch it stops, after it rolls back). */
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    cancelledBy: text('cancelled_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('releases_app_idx').on(t.appId, t.createdAt),
    uniqueIndex('releases_app_number_idx').on(t.appId, t.number),
    uniqueIndex('releases_one_active_idx').on(t.appId).where(sql`status in ('queued', 'running')`),
  ],
);

export type Release = typeof releases.$inferSelect;

import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { releases } from './releases';
import { servers } from './servers';
import { users } from './users';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const runStatusEnum = pgEnum('run_status', RUN_STATUSES);

export const TASK_STATUSES = ['pending', 'running', 'changed', 'unchanged', 'failed', 'skipped'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const taskStatusEnum = pgEnum('task_status', TASK_STATUSES);

/** One execution of a recipe (provision, later configure/release) on one server. */
export const recipeRuns = pgTable(
  'recipe_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    recipe: text('recipe').notNull(),
    /** Set for app recipes (configure, release). */
    appId: uuid('app_id').references(() => apps.id, { onDelete: 'cascade' }),
    /** A release's part on this server. */
    releaseId: uuid('release_id').references(() => releases.id, { onDelete: 'cascade' }),
    status: runStatusEnum('status').notNull().default('queued'),
    /** A retry starts at the task that failed last time. */
    startAt: text('start_at'),
    failedTask: text('failed_task'),
    error: text('error'),
    requestedBy: integer('requested_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    /** Touched while a worker runs it; a stale heartbeat means the worker died (the run is marked interrupted). */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('recipe_runs_server_idx').on(t.serverId, t.createdAt),
    // At most one queued or running provision/configure run per server, even when two requests
    // race. Releases are guarded per app instead (releases_one_active_idx): apps deploy concurrently.
    // Backups only read the server (a restore writes to new names): guarded per app and policy
    // (backup_runs_one_active_idx), so an hour-long dump never holds up a configure.
    uniqueIndex('recipe_runs_one_active_idx')
      .on(t.serverId)
      .where(sql`status in ('queued', 'running') and release_id is null and recipe not like 'backup%'`),
  ],
);

/** Every task of a run: what it did, for how long, and its output. */
export const taskRuns = pgTable(
  'task_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => recipeRuns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    status: taskStatusEnum('status').notNull().default('pending'),
    summary: text('summary'),
    log: text('log').notNull().default(''),
    exitCode: integer('exit_code'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('task_runs_run_idx').on(t.runId, t.position)],
);

export type RecipeRun = typeof recipeRuns.$inferSelect;
export type TaskRun = typeof taskRuns.$inferSelect;

import { and, asc, desc, eq, gte, inArray, isNull, lt, notLike, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { recipeRuns, releases, taskRuns, type RecipeRun, type TaskRun, type TaskStatus } from '../schema';
import { recordLockHold } from './release-locks';

export async function createRun(
  db: Db,
  run: { serverId: string; recipe: string; appId?: string | null; startAt?: string | null; requestedBy?: number | null },
): Promise<RecipeRun> {
  const [row] = await db.insert(recipeRuns).values(run).returning();
  return row!;
}

export async function findRun(db: Db, id: string): Promise<RecipeRun | undefined> {
  const [row] = await db.select().from(recipeRuns).where(eq(recipeRuns.id, id));
  return row;
}

/** The server's own runs (provisioning), newest first; app runs are listed with their app. */
export async function latestRuns(db: Db, serverId: string, limit = 10): Promise<RecipeRun[]> {
  return db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.serverId, serverId), isNull(recipeRuns.appId)))
    .orderBy(desc(recipeRuns.createdAt))
    .limit(limit);
}

export async function activeRunFor(db: Db, serverId: string): Promise<RecipeRun | undefined> {
  const [row] = await db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.serverId, serverId), inArray(recipeRuns.status, ['queued', 'running']), notLike(recipeRuns.recipe, 'backup%')))
    .limit(1);
  return row;
}

export async function updateRun(db: Db, id: string, patch: Partial<RecipeRun>): Promise<void> {
  await db.update(recipeRuns).set(patch).where(eq(recipeRuns.id, id));
}

export async function tasksOf(db: Db, runId: string): Promise<TaskRun[]> {
  return db.select().from(taskRuns).where(eq(taskRuns.runId, runId)).orderBy(asc(taskRuns.position));
}

export async function createTasks(db: Db, runId: string, names: string[]): Promise<TaskRun[]> {
  return db
    .insert(taskRuns)
    .values(names.map((name, position) => ({ runId, name, position })))
    .returning();
}

export async function updateTask(db: Db, id: string, patch: Partial<TaskRun> & { status?: TaskStatus }): Promise<void> {
  await db.update(taskRuns).set(patch).where(eq(taskRuns.id, id));
}

/**
 * The recipe runner's batched writes (lib/jobs/runner.ts): a release costs a few statements per
 * step across all its servers, not several per task per server, which under load was most of
 * the time between steps.
 */

/** Marks the runs started and returns them, in one statement; a run id that does not exist is simply not returned. */
export async function startRuns(db: Db, ids: string[], at: Date): Promise<RecipeRun[]> {
  if (ids.length === 0) return [];
  return db.update(recipeRuns).set({ status: 'running', startedAt: at, heartbeatAt: at }).where(inArray(recipeRuns.id, ids)).returning();
}

export async function updateRuns(db: Db, ids: string[], patch: Partial<RecipeRun>): Promise<void> {
  if (ids.length === 0) return;
  await db.update(recipeRuns).set(patch).where(inArray(recipeRuns.id, ids));
}

/** The task rows of several runs, by run, in position order. */
export async function tasksOfRuns(db: Db, runIds: string[]): Promise<Map<string, TaskRun[]>> {
  const out = new Map<string, TaskRun[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return out;
  const rows = await db.select().from(taskRuns).where(inArray(taskRuns.runId, runIds)).orderBy(asc(taskRuns.runId), asc(taskRuns.position));
  for (const row of rows) out.get(row.runId)?.push(row);
  return out;
}

/** Every task row of several runs in one insert. */
export async function createTasksOfRuns(db: Db, runs: { runId: string; names: string[] }[]): Promise<Map<string, TaskRun[]>> {
  const out = new Map<string, TaskRun[]>(runs.map((r) => [r.runId, []]));
  const values = runs.flatMap(({ runId, names }) => names.map((name, position) => ({ runId, name, position })));
  if (values.length === 0) return out;
  const rows = await db.insert(taskRuns).values(values).returning();
  for (const row of rows.sort((a, b) => a.position - b.position)) out.get(row.runId)?.push(row);
  return out;
}

/** One task row's change; a field left out (undefined) keeps what the row has. */
export type TaskWrite = {
  id: string;
  status?: TaskStatus;
  summary?: string;
  log?: string;
  exitCode?: number | null;
  startedAt?: Date;
  finishedAt?: Date;
};

/**
 * Several task rows, each with its own values, in ONE statement (update … from (values …)): e.g.
 * the tasks one step ended on its servers and the next step's tasks marked running. An exit
 * code given as null is written as null; other fields left out are kept.
 */
export async function writeTasks(db: Db, writes: TaskWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map(
    (w) =>
      sql`(${w.id}::uuid, ${w.status ?? null}::task_status, ${w.summary ?? null}::text, ${w.log ?? null}::text, ${w.exitCode !== undefined}::boolean, ${w.exitCode ?? null}::integer, ${w.startedAt?.toISOString() ?? null}::timestamptz, ${w.finishedAt?.toISOString() ?? null}::timestamptz)`,
  );
  await db.execute(sql`update task_runs set
      status = coalesce(v.status, task_runs.status),
      summary = coalesce(v.summary, task_runs.summary),
      log = coalesce(v.log, task_runs.log),
      exit_code = case when v.set_exit then v.exit_code else task_runs.exit_code end,
      started_at = coalesce(v.started_at, task_runs.started_at),
      finished_at = coalesce(v.finished_at, task_runs.finished_at)
    from (values ${sql.join(rows, sql`, `)}) as v(id, status, summary, log, set_exit, exit_code, started_at, finished_at)
    where task_runs.id = v.id`);
}

const INTERRUPTED = 'The panel stopped while this ran. Retry to resume.';
/**
 * The release steps whose commands run under the app's release lock on the server (`locked` in
 * lib/recipes/release: inRelease, extract, switch, cleanup…); a step cut off elsewhere (the gate,
 * the health check) holds nothing there. Named here because db/ imports no recipe.
 */
const LOCKED_STEPS = new Set([
  'prepare',
  'extract',
  'link-shared',
  'build',
  'release-commands',
  'hooks',
  'pre-switch-check',
  'switch',
  'restart-workers',
  'cleanup',
]);
/** Releases have no Retry: a new deploy is the way on, once no step holds the app's lock. */
const RELEASE_INTERRUPTED = 'The panel stopped while this ran. Deploy again (Berth refuses while a step may still hold the app’s lock).';

/**
 * Marks runs whose worker is gone as interrupted: the running task fails and becomes the run's
 * failed task, so Retry resumes there. Stale means "running" with a heartbeat older than
 * `staleBefore` (or none); with `all`, every running or queued run (start-up of the single
 * PGlite process).
 */
export async function interruptStaleRuns(db: Db, staleBefore: Date, all: boolean): Promise<number> {
  const stale = all
    ? inArray(recipeRuns.status, ['running', 'queued'])
    : and(eq(recipeRuns.status, 'running'), or(isNull(recipeRuns.heartbeatAt), lt(recipeRuns.heartbeatAt, staleBefore)));
  const rows = await db.select({ id: recipeRuns.id }).from(recipeRuns).where(stale);
  for (const { id } of rows) await interruptRun(db, id);
  return rows.length;
}

/**
 * Marks one queued or running run interrupted (see interruptStaleRuns). A release step cut this way may still run on the server, holding the app's release lock: that is
 * recorded, so Deploy is refused until the periodic check finds the lock free (lib/releases/lock-holds.ts).
 */
export async function interruptRun(db: Db, runId: string): Promise<void> {
  const [run] = await db
    .select({
      releaseId: recipeRuns.releaseId,
      appId: recipeRuns.appId,
      serverId: recipeRuns.serverId,
      recipe: recipeRuns.recipe,
      number: releases.number,
    })
    .from(recipeRuns)
    .leftJoin(releases, eq(releases.id, recipeRuns.releaseId))
    .where(eq(recipeRuns.id, runId));
  const [running] = await db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.runId, runId), eq(taskRuns.status, 'running')));
  const [firstPending] = running
    ? [running]
    : await db
        .select()
        .from(taskRuns)
        .where(and(eq(taskRuns.runId, runId), eq(taskRuns.status, 'pending')))
        .orderBy(asc(taskRuns.position))
        .limit(1);
  if (running) await updateTask(db, running.id, { status: 'failed', finishedAt: new Date(), summary: 'interrupted' });
  await db
    .update(recipeRuns)
    .set({
      status: 'interrupted',
      finishedAt: new Date(),
      error: run?.releaseId ? RELEASE_INTERRUPTED : INTERRUPTED,
      failedTask: firstPending?.name ?? null,
    })
    .where(and(eq(recipeRuns.id, runId), inArray(recipeRuns.status, ['queued', 'running'])));
  if (running && run?.releaseId && run.appId && (run.recipe === 'release' || run.recipe === 'rollback') && LOCKED_STEPS.has(running.name))
    await recordLockHold(db, {
      appId: run.appId,
      serverId: run.serverId,
      releaseId: run.releaseId,
      holder: `step ${running.name} of ${run.number ? `deploy #${run.number}` : 'a rollback'} (cut off when the panel stopped)`,
      since: running.startedAt ?? new Date(),
    });
}

/** The newest finished (changed or unchanged) summary of each named task in the app's `recipe` runs on one server. */
export async function latestTaskSummaries(
  db: Db,
  appId: string,
  serverId: string,
  recipe: string,
  names: string[],
): Promise<Record<string, string>> {
  const rows = await db
    .selectDistinctOn([taskRuns.name], { name: taskRuns.name, summary: taskRuns.summary })
    .from(taskRuns)
    .innerJoin(recipeRuns, eq(taskRuns.runId, recipeRuns.id))
    .where(
      and(
        eq(recipeRuns.appId, appId),
        eq(recipeRuns.serverId, serverId),
        eq(recipeRuns.recipe, recipe),
        inArray(taskRuns.name, names),
        inArray(taskRuns.status, ['changed', 'unchanged']),
      ),
    )
    .orderBy(taskRuns.name, desc(recipeRuns.createdAt));
  return Object.fromEntries(rows.map((r) => [r.name, r.summary ?? '']));
}

export type EnvPushRun = {
  serverId: string;
  runId: string;
  status: RecipeRun['status'];
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

/** The newest env-push run of the app on each of its servers. */
export async function latestEnvPushRuns(db: Db, appId: string): Promise<EnvPushRun[]> {
  return db
    .selectDistinctOn([recipeRuns.serverId], {
      serverId: recipeRuns.serverId,
      runId: recipeRuns.id,
      status: recipeRuns.status,
      error: recipeRuns.error,
      createdAt: recipeRuns.createdAt,
      finishedAt: recipeRuns.finishedAt,
    })
    .from(recipeRuns)
    .where(and(eq(recipeRuns.appId, appId), eq(recipeRuns.recipe, 'env-push')))
    .orderBy(recipeRuns.serverId, desc(recipeRuns.createdAt));
}

/** Whether any run on the server was active, or started or ended, at or after `since` (a drift read may have raced it). */
export async function serverBusySince(db: Db, serverId: string, since: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: recipeRuns.id })
    .from(recipeRuns)
    .where(
      and(
        eq(recipeRuns.serverId, serverId),
        or(inArray(recipeRuns.status, ['queued', 'running']), gte(recipeRuns.createdAt, since), gte(recipeRuns.finishedAt, since)),
      ),
    )
    .limit(1);
  return !!row;
}

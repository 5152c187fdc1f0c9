import { and, asc, desc, eq, gte, inArray, lt, or, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { recipeRuns, taskRuns, type RecipeRun, type TaskRun, type TaskStatus } from '../schema';

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
    .where(and(eq(recipeRuns.serverId, serverId), inArray(recipeRuns.status, ['queued', 'running'])))
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

const INTERRUPTED = 'The panel stopped while this ran. Retry to resume.';

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

/** Marks one queued or running run interrupted (see interruptStaleRuns). */
export async function interruptRun(db: Db, runId: string): Promise<void> {
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
    .set({ status: 'interrupted', finishedAt: new Date(), error: INTERRUPTED, failedTask: firstPending?.name ?? null })
    .where(and(eq(recipeRuns.id, runId), inArray(recipeRuns.status, ['queued', 'running'])));
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

import { asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { recipeRuns, releases, servers, taskRuns } from '../schema';

// Reads for the release page's live log (lib/releases/live-load.ts), polled several times a second.

/** The release row's public fields only: never the requester or anything sealed. */
export async function watchedRelease(db: Db, id: string) {
  const [row] = await db
    .select({
      id: releases.id,
      appId: releases.appId,
      kind: releases.kind,
      number: releases.number,
      ref: releases.ref,
      sha: releases.sha,
      subject: releases.subject,
      trigger: releases.trigger,
      status: releases.status,
      failedStep: releases.failedStep,
      error: releases.error,
      bad: releases.bad,
      createdAt: releases.createdAt,
      startedAt: releases.startedAt,
      finishedAt: releases.finishedAt,
    })
    .from(releases)
    .where(eq(releases.id, id));
  return row;
}

/**
 * Every run of the release with its server's name and every task, in one query (a run whose
 * tasks are not created yet comes as one row without a task). Logs of `skipLogOf` tasks are
 * not read: they are finished and the caller already has them.
 */
export async function watchedRunsAndTasks(db: Db, releaseId: string, skipLogOf: string[]) {
  return runsAndTasks(db, eq(recipeRuns.releaseId, releaseId), skipLogOf);
}

/** The same read for one run (a provision or configure run's live log, lib/runs/live-run.ts). */
export async function watchedRunAndTasks(db: Db, runId: string, skipLogOf: string[]) {
  return runsAndTasks(db, eq(recipeRuns.id, runId), skipLogOf);
}

function runsAndTasks(db: Db, where: SQL, skipLogOf: string[]) {
  return db
    .select({
      runId: recipeRuns.id,
      serverName: servers.name,
      recipe: recipeRuns.recipe,
      runStatus: recipeRuns.status,
      runError: recipeRuns.error,
      failedTask: recipeRuns.failedTask,
      taskId: taskRuns.id,
      name: taskRuns.name,
      position: taskRuns.position,
      status: taskRuns.status,
      summary: taskRuns.summary,
      exitCode: taskRuns.exitCode,
      startedAt: taskRuns.startedAt,
      finishedAt: taskRuns.finishedAt,
      log: sql<string | null>`case when ${inArray(taskRuns.id, skipLogOf)} then null else ${taskRuns.log} end`,
    })
    .from(recipeRuns)
    .innerJoin(servers, eq(servers.id, recipeRuns.serverId))
    .leftJoin(taskRuns, eq(taskRuns.runId, recipeRuns.id))
    .where(where)
    .orderBy(asc(recipeRuns.createdAt), asc(recipeRuns.id), asc(taskRuns.position));
}

import type { Db } from '@/db';
import { watchedRelease, watchedRunsAndTasks } from '@/db/queries/release-watch';
import type { LiveRun, LiveState } from './live-state';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * One read of a release for its page: the release row first, then its runs and tasks, so a
 * release read as finished comes with every task in its final state. `knownLogs` are logs the
 * caller already holds for finished tasks (see settledLogs): they are reused, not read again.
 */
export async function loadLiveState(db: Db, releaseId: string, knownLogs: Map<string, string> = new Map()): Promise<LiveState | undefined> {
  const release = await watchedRelease(db, releaseId);
  if (!release) return undefined;
  const rows = await watchedRunsAndTasks(db, releaseId, [...knownLogs.keys()]);
  return {
    release: {
      ...release,
      createdAt: release.createdAt.toISOString(),
      startedAt: iso(release.startedAt),
      finishedAt: iso(release.finishedAt),
    },
    runs: groupRuns(rows, knownLogs),
  };
}

/** Rows of watchedRunsAndTasks (a run without tasks yet is one row without a task) as runs with their tasks in order. */
export function groupRuns(rows: Awaited<ReturnType<typeof watchedRunsAndTasks>>, knownLogs: Map<string, string>): LiveRun[] {
  const runs = new Map<string, LiveRun>();
  for (const row of rows) {
    let run = runs.get(row.runId);
    if (!run) {
      run = {
        id: row.runId,
        serverName: row.serverName,
        recipe: row.recipe,
        status: row.runStatus,
        error: row.runError,
        failedTask: row.failedTask,
        tasks: [],
      };
      runs.set(row.runId, run);
    }
    if (!row.taskId || row.name === null || row.position === null || row.status === null) continue;
    run.tasks.push({
      id: row.taskId,
      runId: row.runId,
      name: row.name,
      position: row.position,
      status: row.status,
      summary: row.summary,
      exitCode: row.exitCode,
      startedAt: iso(row.startedAt),
      finishedAt: iso(row.finishedAt),
      log: row.log ?? knownLogs.get(row.taskId) ?? '',
    });
  }
  return [...runs.values()];
}

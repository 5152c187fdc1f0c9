import type { Db } from '@/db';
import { createTasks, findRun, tasksOf, updateRun, updateTask } from '@/db/queries/runs';
import type { Transport } from '@/lib/remote/transport';
import type { Recipe } from './task';

const FLUSH_MS = 400;
const HEARTBEAT_MS = 10_000;
const MAX_LOG = 200_000;

export type RunResult = { ok: true } | { ok: false; failedTask: string; error: string };

/** Buffers a task's log lines and writes them to its row at most every FLUSH_MS, so the UI can follow. */
function taskLog(db: Db, taskId: string) {
  let text = '';
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    await updateTask(db, taskId, { log: text });
  };
  return {
    line(line: string) {
      text = (text + line + '\n').slice(-MAX_LOG);
      dirty = true;
      timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    get text() {
      return text;
    },
    async close() {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

function describe(err: unknown): { message: string; exitCode: number | null } {
  const e = err as { message?: string; exitCode?: number | null };
  return { message: e?.message ?? String(err), exitCode: typeof e?.exitCode === 'number' ? e.exitCode : null };
}

/**
 * Runs a recipe's tasks in order on one server, recording each task's status, times, exit code
 * and log. Stops at the first failure with that task's name; a retry (startAt) resumes there.
 * `onFailure` steps (unlock, mark failed, roll back) come with releases.
 */
export async function runRecipe<C>(
  db: Db,
  runId: string,
  recipe: Recipe<C>,
  ctx: C,
  transport: Transport,
  signal: AbortSignal,
  /** Runs after the last task and before the run is marked succeeded, so a page following the run sees its effects. */
  beforeSuccess?: () => Promise<void>,
): Promise<RunResult> {
  const run = await findRun(db, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  const existing = await tasksOf(db, runId);
  const rows = existing.length ? existing : await createTasks(db, runId, recipe.tasks.map((t) => t.name));
  const startIndex = run.startAt ? Math.max(0, recipe.tasks.findIndex((t) => t.name === run.startAt)) : 0;

  await updateRun(db, runId, { status: 'running', startedAt: new Date(), heartbeatAt: new Date() });
  const heartbeat = setInterval(() => void updateRun(db, runId, { heartbeatAt: new Date() }).catch(() => {}), HEARTBEAT_MS);
  try {
    for (const [index, task] of recipe.tasks.entries()) {
      const row = rows[index]!;
      if (index < startIndex) {
        await updateTask(db, row.id, { status: 'skipped', summary: 'done in an earlier run' });
        continue;
      }
      const log = taskLog(db, row.id);
      await updateTask(db, row.id, { status: 'running', startedAt: new Date() });
      try {
        if (signal.aborted) throw new Error('cancelled');
        const outcome = await task.run(ctx, { transport, log: log.line, signal });
        await log.close();
        await updateTask(db, row.id, { status: outcome.changed ? 'changed' : 'unchanged', summary: outcome.summary, finishedAt: new Date(), exitCode: 0 });
      } catch (err) {
        const { message, exitCode } = describe(err);
        log.line(message);
        await log.close();
        await updateTask(db, row.id, { status: 'failed', summary: message.split('\n')[0]!.slice(0, 300), exitCode, finishedAt: new Date() });
        await updateRun(db, runId, { status: 'failed', failedTask: task.name, error: message.slice(0, 2000), finishedAt: new Date() });
        return { ok: false, failedTask: task.name, error: message };
      }
    }
    await beforeSuccess?.();
    await updateRun(db, runId, { status: 'succeeded', finishedAt: new Date() });
    return { ok: true };
  } finally {
    clearInterval(heartbeat);
  }
}

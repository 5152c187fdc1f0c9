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

/** One server's part in a recipe run: its own run row, context and connection. */
export type ServerRun<C> = {
  runId: string;
  ctx: C;
  transport: Transport;
  /** Runs after the last task and before the run is marked succeeded, so a page following the run sees its effects. */
  beforeSuccess?: () => Promise<void>;
};

type Prepared<C> = ServerRun<C> & { rows: Awaited<ReturnType<typeof tasksOf>>; startIndex: number; result?: RunResult };

async function prepare<C>(db: Db, recipe: Recipe<C>, part: ServerRun<C>): Promise<Prepared<C>> {
  const run = await findRun(db, part.runId);
  if (!run) throw new Error(`run ${part.runId} does not exist`);
  const existing = await tasksOf(db, part.runId);
  const rows = existing.length ? existing : await createTasks(db, part.runId, recipe.tasks.map((t) => t.name));
  const startIndex = run.startAt ? Math.max(0, recipe.tasks.findIndex((t) => t.name === run.startAt)) : 0;
  await updateRun(db, part.runId, { status: 'running', startedAt: new Date(), heartbeatAt: new Date() });
  return { ...part, rows, startIndex };
}

/** Runs one task on one server and records it; a failure also ends that server's run. */
async function runTask<C>(db: Db, p: Prepared<C>, index: number, task: Recipe<C>['tasks'][number], signal: AbortSignal): Promise<RunResult> {
  const row = p.rows[index]!;
  if (index < p.startIndex) {
    await updateTask(db, row.id, { status: 'skipped', summary: 'done in an earlier run' });
    return { ok: true };
  }
  const log = taskLog(db, row.id);
  await updateTask(db, row.id, { status: 'running', startedAt: new Date() });
  try {
    if (signal.aborted) throw new Error('cancelled');
    const outcome = await task.run(p.ctx, { transport: p.transport, log: log.line, signal });
    await log.close();
    await updateTask(db, row.id, { status: outcome.changed ? 'changed' : 'unchanged', summary: outcome.summary, finishedAt: new Date(), exitCode: 0 });
    return { ok: true };
  } catch (err) {
    const { message, exitCode } = describe(err);
    log.line(message);
    await log.close();
    await updateTask(db, row.id, { status: 'failed', summary: message.split('\n')[0]!.slice(0, 300), exitCode, finishedAt: new Date() });
    await updateRun(db, p.runId, { status: 'failed', failedTask: task.name, error: message.slice(0, 2000), finishedAt: new Date() });
    return { ok: false, failedTask: task.name, error: message };
  }
}

/**
 * Runs a recipe on several servers step by step (Envoyer's model): each task completes on every
 * server, in parallel, before the next task starts anywhere. When a task fails on one server, no
 * server starts the next task; the others' runs end as failed, naming where it failed. Every
 * task is recorded per server (status, times, exit code, log); a retry (startAt) resumes there.
 */
export async function runAcross<C>(db: Db, recipe: Recipe<C>, parts: ServerRun<C>[], signal: AbortSignal): Promise<RunResult[]> {
  const prepared = await Promise.all(parts.map((part) => prepare(db, recipe, part)));
  const heartbeat = setInterval(() => {
    for (const p of prepared) void updateRun(db, p.runId, { heartbeatAt: new Date() }).catch(() => {});
  }, HEARTBEAT_MS);
  try {
    for (const [index, task] of recipe.tasks.entries()) {
      const results = await Promise.all(prepared.map((p) => runTask(db, p, index, task, signal)));
      const failure = results.find((r): r is Extract<RunResult, { ok: false }> => !r.ok);
      if (failure) {
        results.forEach((r, i) => (prepared[i]!.result = r));
        const stopped: RunResult = { ok: false, failedTask: failure.failedTask, error: `Stopped: ${failure.failedTask} failed on another server.` };
        for (const p of prepared.filter((x) => x.result!.ok)) {
          p.result = stopped;
          await updateRun(db, p.runId, { status: 'failed', failedTask: failure.failedTask, error: stopped.error, finishedAt: new Date() });
        }
        return prepared.map((p) => p.result!);
      }
    }
    for (const p of prepared) {
      await p.beforeSuccess?.();
      await updateRun(db, p.runId, { status: 'succeeded', finishedAt: new Date() });
    }
    return prepared.map(() => ({ ok: true }));
  } finally {
    clearInterval(heartbeat);
  }
}

/** One server: the same step runner with a single part. */
export async function runRecipe<C>(
  db: Db,
  runId: string,
  recipe: Recipe<C>,
  ctx: C,
  transport: Transport,
  signal: AbortSignal,
  beforeSuccess?: () => Promise<void>,
): Promise<RunResult> {
  const [result] = await runAcross(db, recipe, [{ runId, ctx, transport, beforeSuccess }], signal);
  return result!;
}

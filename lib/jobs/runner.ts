import type { Db } from '@/db';
import { createTasks, findRun, tasksOf, updateRun, updateTask } from '@/db/queries/runs';
import type { Transport } from '@/lib/remote/transport';
import type { Recipe } from '@/lib/recipes/task';

const FLUSH_MS = 400;
const HEARTBEAT_MS = 10_000;
const MAX_LOG = 200_000;

/** `stopped`: this server did nothing wrong; another server's failure ended the run before `failedTask`. */
export type RunResult = { ok: true } | { ok: false; failedTask: string; error: string; stopped?: true };

/**
 * Buffers a task's log lines and writes them to its row at most every FLUSH_MS, so the UI can
 * follow. Every line passes through the server's redactor first (its key, the app's env values):
 * a task may log text it got from the server (an ExecResult's stdout is not redacted) or made itself.
 */
function taskLog(db: Db, taskId: string, redact: (text: string) => string) {
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
      text = `${text}${redact(line)}\n`.slice(-MAX_LOG);
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

/** What a failure stores (task log and summary, run error, the result): redacted like the log, whoever threw it. */
function describe(err: unknown, redact: (text: string) => string): { message: string; exitCode: number | null } {
  const e = err as { message?: string; exitCode?: number | null };
  return { message: redact(e?.message ?? String(err)), exitCode: typeof e?.exitCode === 'number' ? e.exitCode : null };
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
  const rows = existing.length
    ? existing
    : await createTasks(
        db,
        part.runId,
        recipe.tasks.map((t) => t.name),
      );
  const startIndex = run.startAt
    ? Math.max(
        0,
        recipe.tasks.findIndex((t) => t.name === run.startAt),
      )
    : 0;
  await updateRun(db, part.runId, { status: 'running', startedAt: new Date(), heartbeatAt: new Date() });
  return { ...part, rows, startIndex };
}

/** Runs one task on one server and records it; a failure also ends that server's run. */
async function runTask<C>(
  db: Db,
  p: Prepared<C>,
  index: number,
  task: Recipe<C>['tasks'][number],
  signal: AbortSignal,
): Promise<RunResult> {
  const row = p.rows[index]!;
  if (index < p.startIndex) {
    await updateTask(db, row.id, { status: 'skipped', summary: 'done in an earlier run' });
    return { ok: true };
  }
  const redact = (text: string) => p.transport.redact(text);
  const log = taskLog(db, row.id, redact);
  await updateTask(db, row.id, { status: 'running', startedAt: new Date() });
  try {
    if (signal.aborted) throw new Error('cancelled');
    const outcome = await task.run(p.ctx, { transport: p.transport, log: log.line, signal });
    await log.close();
    await updateTask(db, row.id, {
      status: outcome.changed ? 'changed' : 'unchanged',
      summary: redact(outcome.summary),
      finishedAt: new Date(),
      exitCode: 0,
    });
    return { ok: true };
  } catch (err) {
    const { message, exitCode } = describe(err, redact);
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
      const failedAt = results.findIndex((r) => !r.ok);
      if (failedAt >= 0) return await stopAll(db, recipe, prepared, results, index, failedAt);
    }
    const results: RunResult[] = [];
    for (const p of prepared) {
      try {
        await p.beforeSuccess?.();
        await updateRun(db, p.runId, { status: 'succeeded', finishedAt: new Date() });
        results.push({ ok: true });
      } catch (err) {
        const { message } = describe(err, (text) => p.transport.redact(text));
        await updateRun(db, p.runId, {
          status: 'failed',
          error: `Finished, but recording the outcome failed: ${message}`.slice(0, 2000),
          finishedAt: new Date(),
        });
        results.push({ ok: false, failedTask: recipe.tasks.at(-1)!.name, error: message });
      }
    }
    return results;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * A step failed on at least one server: no server goes on. Servers that finished the step end
 * as failed "stopped before <next step>", naming where it failed; every task not started is
 * marked skipped, so nothing stays pending.
 */
async function stopAll<C>(
  db: Db,
  recipe: Recipe<C>,
  prepared: Prepared<C>[],
  results: RunResult[],
  index: number,
  failedAt: number,
): Promise<RunResult[]> {
  const failure = results[failedAt] as Extract<RunResult, { ok: false }>;
  const where = prepared[failedAt]!.transport.serverName;
  const next = recipe.tasks[index + 1]?.name ?? 'finishing';
  const out = await Promise.all(
    prepared.map(async (p, i) => {
      for (const row of p.rows.slice(index + 1)) await updateTask(db, row.id, { status: 'skipped', summary: 'stopped' });
      if (!results[i]!.ok) return results[i]!;
      const error = `Stopped before ${next}: ${failure.failedTask} failed on ${where}.`;
      await updateRun(db, p.runId, { status: 'failed', failedTask: next, error, finishedAt: new Date() });
      return { ok: false as const, failedTask: next, error, stopped: true as const };
    }),
  );
  return out;
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

import type { Db } from '@/db';
import { createTasksOfRuns, startRuns, tasksOfRuns, updateRun, updateRuns, writeTasks, type TaskWrite } from '@/db/queries/runs';
import type { TaskRun } from '@/db/schema';
import type { Transport } from '@/lib/remote/transport';
import type { Recipe } from '@/lib/recipes/task';

const FLUSH_MS = 400;
const HEARTBEAT_MS = 10_000;
const MAX_LOG = 200_000;

/** `stopped`: this server did nothing wrong; another server's failure ended the run before `failedTask`. */
export type RunResult = { ok: true } | { ok: false; failedTask: string; error: string; stopped?: true };

/**
 * Buffers a task's log lines. A task that runs longer than FLUSH_MS has them written to its row
 * as it goes, so the UI can follow; the rest (and every short task's whole log) goes with the
 * row's final write, not in a statement of its own. Every line passes through the server's
 * redactor first (its key, the app's env values): a task may log text it got from the server
 * (an ExecResult's stdout is not redacted) or made itself.
 */
function taskLog(db: Db, taskId: string, redact: (text: string) => string) {
  let text = '';
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    // A lost interim write only delays what the UI shows: the final write carries the whole log.
    writing = writing.then(() => writeTasks(db, [{ id: taskId, log: text }])).catch(() => undefined);
  };
  return {
    line(line: string) {
      text = `${text}${redact(line)}\n`.slice(-MAX_LOG);
      dirty = true;
      timer ??= setTimeout(flush, FLUSH_MS);
    },
    /** The whole log, once no interim write can land after the final one. */
    async close(): Promise<string> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await writing;
      return text;
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

type Prepared<C> = ServerRun<C> & { rows: TaskRun[]; startIndex: number };

/** Every server's run marked running and its task rows made (or reused, on a retry), in a few statements for all. */
async function prepareAll<C>(db: Db, recipe: Recipe<C>, parts: ServerRun<C>[]): Promise<Prepared<C>[]> {
  const ids = parts.map((p) => p.runId);
  const runs = await startRuns(db, ids, new Date());
  const missing = ids.find((id) => !runs.some((r) => r.id === id));
  if (missing) throw new Error(`run ${missing} does not exist`);
  const existing = await tasksOfRuns(db, ids);
  const fresh = ids.filter((id) => existing.get(id)!.length === 0);
  const created = await createTasksOfRuns(
    db,
    fresh.map((runId) => ({ runId, names: recipe.tasks.map((t) => t.name) })),
  );
  return parts.map((part) => {
    const run = runs.find((r) => r.id === part.runId)!;
    const startIndex = run.startAt
      ? Math.max(
          0,
          recipe.tasks.findIndex((t) => t.name === run.startAt),
        )
      : 0;
    return { ...part, rows: created.get(part.runId) ?? existing.get(part.runId)!, startIndex };
  });
}

/**
 * Runs one task on one server. A success returns its row's final write for the caller to batch;
 * a failure is written at once (task and run), as it ends that server's run.
 */
async function runTask<C>(
  db: Db,
  p: Prepared<C>,
  index: number,
  task: Recipe<C>['tasks'][number],
  signal: AbortSignal,
): Promise<{ result: RunResult; write?: TaskWrite }> {
  const row = p.rows[index]!;
  const redact = (text: string) => p.transport.redact(text);
  const log = taskLog(db, row.id, redact);
  try {
    if (signal.aborted) throw new Error('cancelled');
    const outcome = await task.run(p.ctx, { transport: p.transport, log: log.line, signal });
    const status = outcome.changed ? 'changed' : 'unchanged';
    const write: TaskWrite = {
      id: row.id,
      status,
      summary: redact(outcome.summary),
      finishedAt: new Date(),
      exitCode: 0,
      log: await log.close(),
    };
    return { result: { ok: true }, write };
  } catch (err) {
    const { message, exitCode } = describe(err, redact);
    log.line(message);
    const finishedAt = new Date();
    const summary = message.split('\n')[0]!.slice(0, 300);
    await writeTasks(db, [{ id: row.id, status: 'failed', summary, exitCode, finishedAt, log: await log.close() }]);
    await updateRun(db, p.runId, { status: 'failed', failedTask: task.name, error: message.slice(0, 2000), finishedAt });
    return { result: { ok: false, failedTask: task.name, error: message } };
  }
}

/** Handled at once (so a failure is never an unhandled rejection), and still rejects where it is awaited. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Runs a recipe on several servers step by step (Envoyer's model): each task completes on every
 * server, in parallel, before the next task starts anywhere. When a task fails on one server, no
 * server starts the next task; the others' runs end as failed, naming where it failed. Every
 * task is recorded per server (status, times, exit code, log); a retry (startAt) resumes there.
 *
 * The rows are written in batches, since each statement is a round trip on the release's critical
 * path: a step starts with ONE statement that marks its tasks running on every server (written
 * before any of them runs, so a crash leaves them visible as running, then interrupted) and also
 * records how the previous step ended on the server that finished it last. Servers that finish a
 * step earlier record it at once, while the others still work.
 */
export async function runAcross<C>(db: Db, recipe: Recipe<C>, parts: ServerRun<C>[], signal: AbortSignal): Promise<RunResult[]> {
  const prepared = await prepareAll(db, recipe, parts);
  const ids = prepared.map((p) => p.runId);
  const heartbeat = setInterval(() => void updateRuns(db, ids, { heartbeatAt: new Date() }).catch(() => {}), HEARTBEAT_MS);
  let held: TaskWrite[] = [];
  try {
    for (const [index, task] of recipe.tasks.entries()) {
      const startedAt = new Date();
      const running = prepared.filter((p) => index >= p.startIndex);
      await writeTasks(db, [
        ...held,
        ...prepared
          .filter((p) => index < p.startIndex)
          .map((p): TaskWrite => ({ id: p.rows[index]!.id, status: 'skipped', summary: 'done in an earlier run' })),
        ...running.map((p): TaskWrite => ({ id: p.rows[index]!.id, status: 'running', startedAt })),
      ]);
      held = [];
      let left = running.length;
      const early: Promise<void>[] = [];
      const results = await Promise.all(
        prepared.map(async (p): Promise<RunResult> => {
          if (index < p.startIndex) return { ok: true };
          const { result, write } = await runTask(db, p, index, task, signal);
          left -= 1;
          if (write && left > 0) early.push(quiet(writeTasks(db, [write])));
          else if (write) held.push(write);
          return result;
        }),
      );
      await Promise.all(early);
      const failedAt = results.findIndex((r) => !r.ok);
      if (failedAt >= 0) return await stopAll(db, recipe, prepared, results, index, failedAt, held);
    }
    await writeTasks(db, held);
    return await finishAll(db, recipe, prepared);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Every server finished every task: each run is marked succeeded (after its beforeSuccess), in one statement for all that passed. */
async function finishAll<C>(db: Db, recipe: Recipe<C>, prepared: Prepared<C>[]): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const p of prepared) {
    try {
      await p.beforeSuccess?.();
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
  const succeeded = prepared.filter((_, i) => results[i]!.ok).map((p) => p.runId);
  await updateRuns(db, succeeded, { status: 'succeeded', finishedAt: new Date() });
  return results;
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
  held: TaskWrite[],
): Promise<RunResult[]> {
  const failure = results[failedAt] as Extract<RunResult, { ok: false }>;
  const where = prepared[failedAt]!.transport.serverName;
  const next = recipe.tasks[index + 1]?.name ?? 'finishing';
  const skipped = prepared.flatMap((p) =>
    p.rows.slice(index + 1).map((row): TaskWrite => ({ id: row.id, status: 'skipped', summary: 'stopped' })),
  );
  await writeTasks(db, [...held, ...skipped]);
  const error = `Stopped before ${next}: ${failure.failedTask} failed on ${where}.`;
  const stopped = prepared.filter((_, i) => results[i]!.ok);
  await updateRuns(
    db,
    stopped.map((p) => p.runId),
    { status: 'failed', failedTask: next, error, finishedAt: new Date() },
  );
  return results.map((r) => (r.ok ? { ok: false as const, failedTask: next, error, stopped: true as const } : r));
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

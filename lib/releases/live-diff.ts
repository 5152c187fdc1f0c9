import { isTaskDone, type LiveEvent, type LiveRun, type LiveRunFields, type LiveState, type LiveTask, type TaskChange } from './live-state';

/** What the log bookkeeping needs: a release's runs, or a lone run's. */
type Watched = Pick<LiveState, 'runs'>;
export type RunChange = Extract<LiveEvent, { type: 'run' | 'task' }>;

// Pure: what changed between two reads of a release, as the events the page applies.

const TASK_FIELDS = ['status', 'summary', 'exitCode', 'startedAt', 'finishedAt'] as const;
const RUN_FIELDS = ['serverName', 'recipe', 'status', 'error', 'failedTask'] as const;
/** How much of the text already sent must be found again in a log whose head the runner trimmed. */
const ANCHOR = 256;

/**
 * The new text of a log since `before`: usually `after` just grew, and only the tail is sent.
 * Once a log passes the runner's cap its head is trimmed on every write; then the longest end
 * of `before` that `after` starts with marks where the new text begins. When nothing lines up
 * (the log was rewritten) the whole log is sent instead.
 */
export function logDelta(before: string, after: string): { append: string } | { log: string } | null {
  if (after === before) return null;
  if (after.startsWith(before)) return { append: after.slice(before.length) };
  const anchor = before.slice(-ANCHOR);
  for (let at = after.lastIndexOf(anchor, before.length - anchor.length); at >= 0; at = at > 0 ? after.lastIndexOf(anchor, at - 1) : -1) {
    const overlap = at + anchor.length;
    if (before.endsWith(after.slice(0, overlap))) return overlap === after.length ? null : { append: after.slice(overlap) };
  }
  return { log: after };
}

function taskChange(before: LiveTask | undefined, after: LiveTask): TaskChange | null {
  if (!before) return after;
  const change: TaskChange = { id: after.id, runId: after.runId };
  let changed = false;
  for (const key of TASK_FIELDS) {
    if (before[key] !== after[key]) {
      (change as Record<string, unknown>)[key] = after[key];
      changed = true;
    }
  }
  const delta = logDelta(before.log, after.log);
  if (delta) Object.assign(change, delta);
  return changed || delta ? change : null;
}

function runFields(run: LiveState['runs'][number]): LiveRunFields {
  const { tasks: _tasks, ...fields } = run;
  return fields;
}

/** Only the changes: the release row, runs that appeared or changed, then task changes in run and step order. */
export function diffLive(before: LiveState, after: LiveState): LiveEvent[] {
  const events: LiveEvent[] = [];
  // The release row is small and flat: comparing its JSON is exact.
  if (JSON.stringify(before.release) !== JSON.stringify(after.release)) events.push({ type: 'release', release: after.release });
  events.push(...diffRuns(before.runs, after.runs));
  return events;
}

/** Runs that appeared or changed, then their task changes in step order (also a lone run's stream, lib/runs/live-run.ts). */
export function diffRuns(before: LiveRun[], after: LiveRun[]): RunChange[] {
  const events: RunChange[] = [];
  const runsBefore = new Map(before.map((r) => [r.id, r]));
  for (const run of after) {
    const old = runsBefore.get(run.id);
    if (!old || RUN_FIELDS.some((k) => old[k] !== run[k])) events.push({ type: 'run', run: runFields(run) });
    const tasksBefore = new Map((old?.tasks ?? []).map((t) => [t.id, t]));
    for (const task of run.tasks) {
      const change = taskChange(tasksBefore.get(task.id), task);
      if (change) events.push({ type: 'task', task: change });
    }
  }
  return events;
}

/** Ids of finished tasks in a state. */
export function doneTaskIds(state: Watched): Set<string> {
  return new Set(state.runs.flatMap((r) => r.tasks.filter((t) => isTaskDone(t.status)).map((t) => t.id)));
}

/**
 * Logs the next read may skip: a task that was already finished one read ago will not write
 * again (the runner flushes the log before it records the outcome; the extra read covers a
 * flush still in flight), so its log is carried over instead of read every tick.
 */
export function settledLogs(state: Watched, doneBefore: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const run of state.runs) for (const t of run.tasks) if (doneBefore.has(t.id) && isTaskDone(t.status)) out.set(t.id, t.log);
  return out;
}

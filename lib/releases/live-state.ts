import type { ReleaseStatus, RunStatus, TaskStatus } from '@/db/schema';

/**
 * What the release page shows and the event stream carries: plain JSON (ISO times), no DB
 * types, so the same shape is server-rendered first and then kept current by the events.
 * Imported by the client bundle: type-only imports and pure functions here, nothing else.
 */

/** The runner keeps only a task log's last 200 000 characters; the page keeps no more either. */
export const MAX_LOG = 200_000;

export type LiveTask = {
  id: string;
  runId: string;
  name: string;
  position: number;
  status: TaskStatus;
  summary: string | null;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  log: string;
};

export type LiveRunFields = {
  id: string;
  serverName: string;
  recipe: string;
  status: RunStatus;
  error: string | null;
  failedTask: string | null;
};
export type LiveRun = LiveRunFields & { tasks: LiveTask[] };

/** The release row's public fields (no requester id, nothing sealed). */
export type LiveRelease = {
  id: string;
  appId: string;
  kind: 'deploy' | 'rollback';
  number: number | null;
  ref: string;
  sha: string | null;
  subject: string | null;
  trigger: string;
  status: ReleaseStatus;
  failedStep: string | null;
  error: string | null;
  bad: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export type LiveState = { release: LiveRelease; runs: LiveRun[] };

/** A task that appeared (every field) or changed (only what changed, and the log's new tail as `append`, or the whole `log` when it cannot be appended). */
export type TaskChange = Pick<LiveTask, 'id' | 'runId'> & Partial<Omit<LiveTask, 'id' | 'runId'>> & { append?: string };

export type EndReason = 'finished' | 'timeout' | 'gone' | 'signed-out';

export type LiveEvent =
  | { type: 'snapshot'; state: LiveState }
  | { type: 'release'; release: LiveRelease }
  | { type: 'run'; run: LiveRunFields }
  | { type: 'task'; task: TaskChange }
  | { type: 'end'; status: ReleaseStatus; reason: EndReason };

export const LIVE_EVENT_TYPES = ['snapshot', 'release', 'run', 'task', 'end'] as const satisfies readonly LiveEvent['type'][];

export function isFinished(status: ReleaseStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

export function isTaskDone(status: TaskStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

/** A task change applied to a run's task list (also by a lone run's page, lib/runs/live-run-state.ts). */
export function upsertTask(tasks: LiveTask[], change: TaskChange): LiveTask[] {
  const { append, ...fields } = change;
  const old = tasks.find((t) => t.id === change.id);
  if (!old) return [...tasks, { log: '', ...fields } as LiveTask].sort((a, b) => a.position - b.position);
  return tasks.map((t) => {
    if (t.id !== change.id) return t;
    const merged = { ...t, ...fields };
    if (append) merged.log = (merged.log + append).slice(-MAX_LOG);
    return merged;
  });
}

/** The client's reducer: a snapshot replaces everything (also after a reconnect), the rest patches. */
export function applyLive(state: LiveState, event: LiveEvent): LiveState {
  switch (event.type) {
    case 'snapshot':
      return event.state;
    case 'release':
      return { ...state, release: event.release };
    case 'run': {
      const known = state.runs.some((r) => r.id === event.run.id);
      const runs = known
        ? state.runs.map((r) => (r.id === event.run.id ? { ...r, ...event.run } : r))
        : [...state.runs, { ...event.run, tasks: [] }];
      return { ...state, runs };
    }
    case 'task':
      return { ...state, runs: state.runs.map((r) => (r.id === event.task.runId ? { ...r, tasks: upsertTask(r.tasks, event.task) } : r)) };
    case 'end':
      return state;
  }
}

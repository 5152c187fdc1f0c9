import type { RunStatus } from '@/db/schema';
import { type EndReason, type LiveRun, type LiveRunFields, type TaskChange, upsertTask } from '@/lib/releases/live-state';

/**
 * A provision or configure run as its page shows it and its event stream carries: the release
 * stream's run and task shapes and events, without the release around them.
 * Imported by the client bundle: type-only imports and pure functions here, nothing else.
 */
export type LiveRunState = { runs: [LiveRun] };

export type RunEvent =
  | { type: 'snapshot'; run: LiveRun }
  | { type: 'run'; run: LiveRunFields }
  | { type: 'task'; task: TaskChange }
  | { type: 'end'; status: RunStatus; reason: EndReason };

export const RUN_EVENT_TYPES = ['snapshot', 'run', 'task', 'end'] as const satisfies readonly RunEvent['type'][];

export function isRunFinished(status: RunStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

/** The client's reducer: a snapshot replaces the run (also after a reconnect), the rest patches it. */
export function applyRunEvent(run: LiveRun, event: RunEvent): LiveRun {
  switch (event.type) {
    case 'snapshot':
      return event.run;
    case 'run':
      return event.run.id === run.id ? { ...run, ...event.run } : run;
    case 'task':
      return event.task.runId === run.id ? { ...run, tasks: upsertTask(run.tasks, event.task) } : run;
    case 'end':
      return run;
  }
}

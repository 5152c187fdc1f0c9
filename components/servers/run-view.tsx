import type { RecipeRun, TaskRun } from '@/db/schema';
import type { LiveRun } from '@/lib/releases/live-state';
import { LiveRunView } from './live-run-view';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * A run and its tasks, as the page read them; while the run is queued or running it is followed
 * live by its event stream (LiveRunView) instead of re-rendering the page. Keyed by the run, so
 * a newer run replaces the view rather than being merged into the old one.
 */
export function RunView({ run, tasks }: { run: RecipeRun; tasks: TaskRun[] }) {
  const initial: LiveRun = {
    id: run.id,
    // Not shown here (the page names the server); the stream's first snapshot fills it in.
    serverName: '',
    recipe: run.recipe,
    status: run.status,
    error: run.error,
    failedTask: run.failedTask,
    tasks: tasks.map((t) => ({
      id: t.id,
      runId: t.runId,
      name: t.name,
      position: t.position,
      status: t.status,
      summary: t.summary,
      exitCode: t.exitCode,
      startedAt: iso(t.startedAt),
      finishedAt: iso(t.finishedAt),
      log: t.log,
    })),
  };
  return <LiveRunView key={run.id} initial={initial} queuedAt={run.createdAt.toISOString()} startAt={run.startAt} />;
}

import type { TaskStatus } from '@/db/schema';
import type { LiveRun, LiveState, LiveTask } from './live-state';

// Pure (imported by the client): how the release page lays out runs, steps and durations.

export type StepCell = { serverName: string; task: LiveTask | undefined };
export type Step = { name: string; status: TaskStatus; startedAt: string | null; finishedAt: string | null; cells: StepCell[] };
/** `testIdPrefix` + server name: the hook e2e tests use (release-server-web-1, release-rollback-web-1). */
export type RunGroup = { key: 'main' | 'rollback'; title: string; testIdPrefix: string; runs: LiveRun[]; steps: Step[] };

/** The step's status across its servers: a failure anywhere shows, then work still going on, then the outcome. */
function stepStatus(tasks: LiveTask[]): TaskStatus {
  const has = (s: TaskStatus) => tasks.some((t) => t.status === s);
  if (has('failed')) return 'failed';
  if (has('running')) return 'running';
  if (has('pending') || tasks.length === 0) return 'pending';
  if (has('changed')) return 'changed';
  return has('unchanged') ? 'unchanged' : 'skipped';
}

function stepsOf(runs: LiveRun[]): Step[] {
  // The recipe's order: every run of a group runs the same recipe, so positions line up.
  const order = new Map<string, number>();
  for (const run of runs) for (const t of run.tasks) order.set(t.name, Math.min(order.get(t.name) ?? Infinity, t.position));
  return [...order.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => {
      const cells = runs.map((run) => ({ serverName: run.serverName, task: run.tasks.find((t) => t.name === name) }));
      const tasks = cells.flatMap((c) => (c.task ? [c.task] : []));
      const starts = tasks.flatMap((t) => (t.startedAt ? [t.startedAt] : [])).sort();
      const open = tasks.some((t) => t.startedAt && !t.finishedAt);
      const ends = tasks.flatMap((t) => (t.finishedAt ? [t.finishedAt] : [])).sort();
      return { name, status: stepStatus(tasks), startedAt: starts[0] ?? null, finishedAt: open ? null : (ends.at(-1) ?? null), cells };
    });
}

/**
 * The release's own runs first (recipe 'release' for a deploy, 'rollback' for a rollback), then,
 * for a deploy whose health check failed, the automatic rollback's runs as their own group.
 */
export function runGroups(state: LiveState): RunGroup[] {
  const mainRecipe = state.release.kind === 'deploy' ? 'release' : 'rollback';
  const byServer = (a: LiveRun, b: LiveRun) => a.serverName.localeCompare(b.serverName);
  const main = state.runs.filter((r) => r.recipe === mainRecipe).sort(byServer);
  const rollback = state.release.kind === 'deploy' ? state.runs.filter((r) => r.recipe === 'rollback').sort(byServer) : [];
  const groups: RunGroup[] = [];
  if (main.length)
    groups.push({
      key: 'main',
      title: state.release.kind === 'deploy' ? 'Release' : 'Rollback',
      testIdPrefix: 'release-server',
      runs: main,
      steps: stepsOf(main),
    });
  if (rollback.length)
    groups.push({
      key: 'rollback',
      title: 'Automatic rollback',
      testIdPrefix: 'release-rollback',
      runs: rollback,
      steps: stepsOf(rollback),
    });
  return groups;
}

/** "0.4 s", "12.0 s", "2 min 05 s"; a span still open runs to `now`. */
export function formatDuration(startedAt: string | null, finishedAt: string | null, now: number): string {
  if (!startedAt) return '';
  const ms = Math.max(0, (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt));
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

import type { RecipeRun, TaskRun } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';
import { TASK_TONE } from '@/components/ui/status-tones';

const RUN_TONE: Record<RecipeRun['status'], Tone> = {
  queued: 'neutral',
  running: 'warn',
  succeeded: 'good',
  failed: 'bad',
  interrupted: 'bad',
};

function duration(task: TaskRun): string {
  if (!task.startedAt) return '';
  const end = task.finishedAt ?? new Date();
  return `${((end.getTime() - task.startedAt.getTime()) / 1000).toFixed(1)} s`;
}

/** A run and its tasks: status, what each found or did, and its log. */
export function RunView({ run, tasks }: { run: RecipeRun; tasks: TaskRun[] }) {
  return (
    <div data-testid="run" data-run-id={run.id} data-status={run.status}>
      <p className="text-sm">
        <Badge tone={RUN_TONE[run.status]}>{run.status}</Badge>{' '}
        <span className="text-slate-600">
          {run.recipe} · queued {run.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC
        </span>
        {run.startAt && <span className="text-slate-600"> · resumed at {run.startAt}</span>}
      </p>
      {run.error && (
        <p role="alert" className="mt-2 whitespace-pre-wrap rounded bg-red-50 p-2 font-mono text-xs text-red-900">
          {run.error}
        </p>
      )}
      <ol className="mt-3 divide-y divide-slate-100 rounded ring-1 ring-slate-200">
        {tasks.map((task) => (
          <li key={task.id} data-testid={`task-${task.name}`} data-status={task.status} className="px-3 py-2 text-sm">
            <details>
              <summary className="flex cursor-pointer flex-wrap items-center gap-2">
                <span className="font-mono text-xs">{task.name}</span>
                <Badge tone={TASK_TONE[task.status]}>{task.status}</Badge>
                <span className="text-slate-600">{task.summary}</span>
                <span className="ml-auto text-xs text-slate-500">{duration(task)}</span>
              </summary>
              <pre className="mt-2 max-h-72 overflow-auto rounded bg-slate-900 p-2 font-mono text-xs text-slate-100">
                {task.log || '(no output)'}
              </pre>
            </details>
          </li>
        ))}
      </ol>
    </div>
  );
}

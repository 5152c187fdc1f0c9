'use client';

import type { RunStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { TASK_TONE } from '@/components/ui/status-tones';
import { useNow } from '@/components/releases/use-live-release';
import type { LiveRun, LiveTask } from '@/lib/releases/live-state';
import type { Tone } from '@/lib/model/tone';
import { useLiveRun } from './use-live-run';

const RUN_TONE: Record<RunStatus, Tone> = {
  queued: 'neutral',
  running: 'warn',
  succeeded: 'good',
  failed: 'bad',
  interrupted: 'bad',
};

const CONNECTION_TEXT = {
  live: 'live',
  reconnecting: 'reconnecting…',
  stopped: 'no longer live: reload for the latest',
  timeout: 'stopped following after two hours: reload for the latest',
  done: null,
} as const;

function duration(task: LiveTask, now: number): string {
  if (!task.startedAt) return '';
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  return `${((end - Date.parse(task.startedAt)) / 1000).toFixed(1)} s`;
}

/** A run and its tasks (status, what each found or did, its log), followed live while it runs. */
export function LiveRunView({ initial, queuedAt, startAt }: { initial: LiveRun; queuedAt: string; startAt: string | null }) {
  const { run, connection } = useLiveRun(initial);
  const now = useNow(!['succeeded', 'failed', 'interrupted'].includes(run.status));
  const note = CONNECTION_TEXT[connection];
  return (
    <div data-testid="run" data-run-id={run.id} data-status={run.status} data-connection={connection}>
      <p className="text-sm">
        <Badge tone={RUN_TONE[run.status]}>{run.status}</Badge>{' '}
        <span className="text-slate-600">
          {run.recipe} · queued {queuedAt.replace('T', ' ').slice(0, 19)} UTC
        </span>
        {startAt && <span className="text-slate-600"> · resumed at {startAt}</span>}
        {note && <span className="text-xs text-slate-500"> · {note}</span>}
      </p>
      {run.error && (
        <p role="alert" className="mt-2 whitespace-pre-wrap rounded bg-red-50 p-2 font-mono text-xs text-red-900">
          {run.error}
        </p>
      )}
      <ol className="mt-3 divide-y divide-slate-100 rounded ring-1 ring-slate-200">
        {run.tasks.map((task) => (
          <li key={task.id} data-testid={`task-${task.name}`} data-status={task.status} className="px-3 py-2 text-sm">
            <details>
              <summary className="flex cursor-pointer flex-wrap items-center gap-2">
                <span className="font-mono text-xs">{task.name}</span>
                <Badge tone={TASK_TONE[task.status]}>{task.status}</Badge>
                <span className="text-slate-600">{task.summary}</span>
                {/* A running task's duration differs between the server's render and the browser's first one. */}
                <span className="ml-auto text-xs text-slate-500" suppressHydrationWarning>
                  {duration(task, now)}
                </span>
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

'use client';

import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatDuration, type RunGroup } from '@/lib/releases/live-groups';
import { TASK_TONE } from '@/components/ui/status-tones';
import { TaskCell } from './task-cell';

/**
 * A group of runs (the release, or its automatic rollback) step by step, one row per server in
 * each step. Each row carries `<prefix>-<server>` around that server's `task-<name>`, so
 * `getByTestId('release-server-web-1').getByTestId('task-switch')` finds exactly one element.
 */
export function StepList({ group, now }: { group: RunGroup; now: number }) {
  const failedRuns = group.runs.filter((r) => r.error);
  return (
    <Card
      title={group.title}
      description={`${group.runs.length} server${group.runs.length === 1 ? '' : 's'}: ${group.runs.map((r) => r.serverName).join(', ')}`}
    >
      <div data-testid={`release-group-${group.key}`}>
        {failedRuns.length > 0 && (
          // Not role="alert": the page has one alert, the release's error (the outcome that matters).
          <ul className="mb-3 space-y-1 rounded bg-red-50 p-2 text-xs text-red-900">
            {failedRuns.map((r) => (
              <li key={r.id} className="whitespace-pre-wrap font-mono">
                {r.serverName}: {r.error}
              </li>
            ))}
          </ul>
        )}
        {group.steps.length === 0 && <p className="text-sm text-slate-600">Preparing the servers…</p>}
        <ol className="space-y-3">
          {group.steps.map((step) => (
            <li key={step.name} data-step={step.name} className="rounded ring-1 ring-slate-200">
              <div className="flex items-center gap-2 border-b border-slate-100 bg-slate-50 px-3 py-1.5 text-sm">
                <span className="font-mono text-xs font-semibold">{step.name}</span>
                <Badge tone={TASK_TONE[step.status]}>{step.status}</Badge>
                <span className="ml-auto text-xs tabular-nums text-slate-500" suppressHydrationWarning>
                  {formatDuration(step.startedAt, step.finishedAt, now)}
                </span>
              </div>
              <ul className="divide-y divide-slate-100">
                {step.cells.map(({ serverName, task }) => (
                  <li key={serverName} data-testid={`${group.testIdPrefix}-${serverName}`}>
                    {task ? (
                      <TaskCell serverName={serverName} task={task} now={now} />
                    ) : (
                      <p className="px-3 py-2 text-sm text-slate-500">{serverName}: not part of this run</p>
                    )}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      </div>
    </Card>
  );
}

'use client';

import { useLayoutEffect, useRef, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { formatDuration } from '@/lib/releases/live-groups';
import type { LiveTask } from '@/lib/releases/live-state';
import { TASK_TONE } from '@/components/ui/status-tones';

/** Within this many pixels of the bottom counts as "following the tail". */
const STICKY_PX = 24;

/**
 * One server's part in one step: status, duration, exit code, summary and its log. The log of
 * a running or failed task opens by itself; once someone toggles it, their choice wins. While
 * open it follows the tail, unless the reader scrolled up to read something.
 */
export function TaskCell({ serverName, task, now }: { serverName: string; task: LiveTask; now: number }) {
  const [choice, setChoice] = useState<boolean | null>(null);
  const open = choice ?? (task.status === 'running' || task.status === 'failed');
  const pre = useRef<HTMLPreElement>(null);
  const following = useRef(true);

  // biome-ignore lint/correctness/useExhaustiveDependencies: task.log is the trigger: each new piece of log, rendered into <pre>, scrolls it back to the tail
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && open && following.current) el.scrollTop = el.scrollHeight;
  }, [task.log, open]);

  return (
    <div data-testid={`task-${task.name}`} data-status={task.status} className="px-3 py-2 text-sm">
      <details
        open={open}
        // Fires for our own opening too: only a change against what we rendered is the reader's.
        onToggle={(e) => e.currentTarget.open !== open && setChoice(e.currentTarget.open)}
      >
        <summary className="flex cursor-pointer flex-wrap items-center gap-2">
          <span className="w-28 truncate font-medium">{serverName}</span>
          <Badge tone={TASK_TONE[task.status]}>{task.status}</Badge>
          {task.exitCode !== null && task.exitCode !== 0 && <span className="font-mono text-xs text-red-700">exit {task.exitCode}</span>}
          <span className="text-slate-600">{task.summary}</span>
          <span className="ml-auto text-xs tabular-nums text-slate-500" suppressHydrationWarning>
            {formatDuration(task.startedAt, task.finishedAt, now)}
          </span>
        </summary>
        <pre
          ref={pre}
          onScroll={(e) => {
            const el = e.currentTarget;
            following.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
          }}
          className="mt-2 max-h-72 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-900 p-2 font-mono text-xs text-slate-100"
        >
          {task.log || (task.status === 'pending' ? '(not started)' : '(no output)')}
        </pre>
      </details>
    </div>
  );
}

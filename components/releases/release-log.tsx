'use client';

import { Badge } from '@/components/ui/badge';
import { formatDuration, runGroups } from '@/lib/releases/live-groups';
import { isFinished, type LiveState } from '@/lib/releases/live-state';
import { StepList } from './step-list';
import { useLiveRelease, useNow, type Connection } from './use-live-release';
import { RELEASE_TONE } from '@/components/ui/status-tones';

const CONNECTION_NOTE: Record<Connection, string> = {
  live: 'live',
  reconnecting: 'reconnecting…',
  stopped: 'live updates stopped: reload the page to see the latest',
  timeout: 'still running after 2 hours: reload the page to follow it',
  done: '',
};

/**
 * The release page's body: the outcome on top (`data-testid="release"` reflects the live status
 * for e2e tests), then the steps per server, then the automatic rollback if there was one.
 */
export function ReleaseLog({ initial }: { initial: LiveState }) {
  const { state, connection } = useLiveRelease(initial);
  const { release } = state;
  const moving = !isFinished(release.status);
  const now = useNow(moving);
  const groups = runGroups(state);
  const note = CONNECTION_NOTE[connection];
  return (
    <>
      <div data-testid="release" data-status={release.status} data-failed-step={release.failedStep ?? ''} className="mb-4 text-sm">
        <p className="flex flex-wrap items-center gap-2">
          <span>Status:</span>
          <Badge tone={RELEASE_TONE[release.status]}>{release.status.replace('_', ' ')}</Badge>
          {release.failedStep && (
            <span>
              at <strong className="font-mono">{release.failedStep}</strong>
            </span>
          )}
          {release.startedAt && (
            <span className="tabular-nums text-slate-500" suppressHydrationWarning>
              · {formatDuration(release.startedAt, release.finishedAt, now)}
            </span>
          )}
          {release.sha && <span className="font-mono text-xs text-slate-500">· {release.sha.slice(0, 10)}</span>}
          {note && <span className={`text-xs ${connection === 'live' ? 'text-emerald-700' : 'text-amber-700'}`}>· {note}</span>}
        </p>
        {release.error && (
          <pre className="mt-2 whitespace-pre-wrap text-red-700" role="alert">
            {release.error}
          </pre>
        )}
      </div>
      {groups.length === 0 && (
        <p className="text-sm text-slate-600">
          {moving ? 'Resolving the commit and connecting to the servers…' : 'No server was reached.'}
        </p>
      )}
      <div className="space-y-6">
        {groups.map((group) => (
          <StepList key={group.key} group={group} now={now} />
        ))}
      </div>
    </>
  );
}

import { LiveRefresh } from '@/components/live-refresh';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import { PANEL_STAGES, type PanelBackupOutcome, type PanelBackupStatus, type PanelStages } from '@/lib/backups/panel-schedule-run';

const LABEL = { dumped: 'dumped', uploaded: 'uploaded', verified: 'verified' } as const;

/** dumped → uploaded → verified: green with its time when reached, red for the first a failed run missed, grey otherwise. */
function Stages({ stages, failed }: { stages: PanelStages; failed: boolean }) {
  const firstMissing = PANEL_STAGES.find((s) => !stages[s]);
  return (
    <span className="flex flex-wrap gap-1">
      {PANEL_STAGES.map((stage) => {
        const at = stages[stage];
        const state = at ? 'reached' : failed && stage === firstMissing ? 'failed' : 'pending';
        return (
          <span key={stage} data-testid={`panel-stage-${stage}`} data-state={state}>
            <Badge tone={state === 'reached' ? 'good' : state === 'failed' ? 'bad' : 'neutral'}>
              {LABEL[stage]}
              {at ? ' ' : ''}
              {at && <Time value={at} format="time" />}
            </Badge>
          </span>
        );
      })}
    </span>
  );
}

const size = (bytes: number | null) =>
  bytes === null ? '' : bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;

function Outcome({ o }: { o: PanelBackupOutcome }) {
  return (
    <li className="flex flex-wrap items-center gap-3 py-2 text-sm" data-testid="panel-backup-outcome" data-ok={String(o.ok)}>
      <Time value={o.startedAt} className="font-mono text-xs text-slate-600" />
      <Badge tone={o.ok ? 'good' : 'bad'}>{o.ok ? 'succeeded' : o.interrupted ? 'interrupted' : 'failed'}</Badge>
      <Stages stages={o.stages} failed={!o.ok} />
      <span className="text-xs text-slate-500">
        {o.scheduledFor ? 'scheduled' : 'asked for'} · {o.target ?? '—'}
        {o.snapshotId && ` · snapshot ${o.snapshotId}`}
        {o.addedBytes !== null && ` · ${size(o.addedBytes)} new`}
        {o.durationMs !== null && ` · ${(o.durationMs / 1000).toFixed(1)} s`}
      </span>
      {o.error && (
        <span className="w-full text-xs text-red-700" data-testid="panel-backup-error">
          {o.error}
        </span>
      )}
    </li>
  );
}

/** The running backup (followed live), then the last ten outcomes, newest first. */
export function PanelBackupStatusView({ status, nextAt }: { status: PanelBackupStatus; nextAt: Date | null }) {
  const { running, history, lastSuccessAt } = status;
  return (
    <div className="space-y-2" data-testid="panel-backup-status">
      <LiveRefresh active={running !== null} ms={2000} />
      <p className="text-sm text-slate-600">
        {lastSuccessAt ? (
          <>
            Last success <Time value={lastSuccessAt} />.
          </>
        ) : (
          'No successful backup yet.'
        )}
        {nextAt && (
          <>
            {' '}
            Next scheduled <Time value={nextAt} />.
          </>
        )}
      </p>
      {running && (
        <p className="flex flex-wrap items-center gap-3 text-sm" data-testid="panel-backup-running">
          <Badge tone="warn">backing up…</Badge>
          <span className="text-xs text-slate-500">
            since <Time value={running.startedAt} format="relative" />
          </span>
          <Stages stages={running.stages} failed={false} />
        </p>
      )}
      {history.length > 0 && (
        <ul className="divide-y divide-slate-100">
          {history.map((o) => (
            <Outcome key={`${o.startedAt}-${o.at}`} o={o} />
          ))}
        </ul>
      )}
    </div>
  );
}

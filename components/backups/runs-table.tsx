import Link from 'next/link';
import type { BackupRun, BackupRunStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import type { Tone } from '@/lib/model/tone';
import { bytesText, durationText } from './format';
import { StageBadges } from './stage-badges';

export const RUN_TONE: Record<BackupRunStatus, Tone> = {
  queued: 'neutral',
  running: 'warn',
  succeeded: 'good',
  failed: 'bad',
  skipped: 'neutral',
  interrupted: 'bad',
};

const short = (id: string) => id.slice(0, 8);

/** What a run did, in one cell: a backup's stages, or which backup a verify/drill/restore used and where a restore went. */
function WhatCell({ run }: { run: BackupRun }) {
  if (run.kind === 'backup') return <StageBadges run={run} />;
  const d = run.detail ?? {};
  const into = d.into === 'new-database' ? ' → a new database' : d.into === 'side-path' ? ' → a side path' : '';
  return (
    <span className="text-xs text-slate-600">
      {run.sourceRunId ? `backup ${short(run.sourceRunId)}` : 'newest verified backup'}
      {into}
      {typeof d.database === 'string' && (
        <span className="block" data-testid="restore-database">
          {d.database} is the restored data{typeof d.keptAs === 'string' ? `; the previous kept as ${d.keptAs}` : ''}
        </span>
      )}
      {typeof d.filesPath === 'string' && (
        <span className="block" data-testid="restore-files-path">
          files in {d.filesPath}
          {typeof d.filesDiffering === 'number' ? ` (${d.filesDiffering} differ from the live ones; see the log)` : ''}
        </span>
      )}
    </span>
  );
}

/** Every backup, verification, drill and restore of the app, newest first, each with a link to its per-task log. */
export function RunsTable({ appId, runs }: { appId: string; runs: BackupRun[] }) {
  if (runs.length === 0) return <p className="text-sm text-slate-600">No runs yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="backup-runs">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1 pr-3">Queued</th>
            <th className="pr-3">Policy</th>
            <th className="pr-3">Kind</th>
            <th className="pr-3">Status</th>
            <th className="pr-3">Stages</th>
            <th className="pr-3">Size</th>
            <th className="pr-3">Duration</th>
            <th className="pr-3">Target</th>
            <th>Log</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {runs.map((run) => (
            <tr
              key={run.id}
              data-testid="backup-run"
              data-run-id={run.id}
              data-kind={run.kind}
              data-status={run.status}
              data-policy={run.policy}
            >
              <td className="whitespace-nowrap py-2 pr-3 text-xs">
                <Time value={run.createdAt} />
              </td>
              <td className="pr-3">{run.policy}</td>
              <td className="pr-3">{run.kind}</td>
              <td className="pr-3">
                <Badge tone={RUN_TONE[run.status]}>{run.status}</Badge>
                {run.forgottenAt && <span className="ml-1 text-xs text-slate-500">(forgotten)</span>}
              </td>
              <td className="pr-3">
                <WhatCell run={run} />
                {run.error && (
                  <p className="mt-1 max-w-md whitespace-pre-wrap text-xs text-red-700" data-testid="backup-run-error">
                    {run.failedStage ? `${run.failedStage}: ` : ''}
                    {run.error}
                  </p>
                )}
              </td>
              <td className="whitespace-nowrap pr-3">{bytesText(run.sizeBytes)}</td>
              <td className="whitespace-nowrap pr-3">{durationText(run.durationMs)}</td>
              <td className="pr-3">{run.targetName}</td>
              <td>
                <Link
                  className="text-indigo-700 hover:underline"
                  href={`/apps/${appId}/backups/${run.id}`}
                  aria-label={`Log of ${run.kind} ${short(run.id)}`}
                >
                  {run.recipeRunId ? 'log' : 'details'}
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

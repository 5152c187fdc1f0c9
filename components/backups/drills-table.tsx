import type { BackupRun } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import { durationText } from './format';
import { RUN_TONE } from './runs-table';

/** Restore drills with their timings: how long a restore of that backup took, and what was compared. */
export function DrillsTable({ drills }: { drills: BackupRun[] }) {
  if (drills.length === 0)
    return <p className="text-sm text-slate-600">No drills yet: they run on the policy's drill schedule, or now with "Run drill".</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="backup-drills">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1 pr-3">Started</th>
            <th className="pr-3">Policy</th>
            <th className="pr-3">Status</th>
            <th className="pr-3">Restore took</th>
            <th>Checked</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {drills.map((d) => (
            <tr key={d.id} data-testid="backup-drill" data-run-id={d.id} data-status={d.status}>
              <td className="whitespace-nowrap py-2 pr-3 text-xs">
                <Time value={d.startedAt ?? d.createdAt} />
              </td>
              <td className="pr-3">{d.policy}</td>
              <td className="pr-3">
                <Badge tone={RUN_TONE[d.status]}>{d.status}</Badge>
              </td>
              <td className="pr-3" data-testid="backup-drill-duration">
                {durationText(d.durationMs)}
              </td>
              <td className="text-xs text-slate-600">
                {checkedText(d)}
                {d.error && <p className="mt-1 whitespace-pre-wrap text-red-700">{d.error}</p>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What the drill compared, as the engine records it in the run's detail. */
function checkedText(d: BackupRun): string {
  const x = d.detail ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const parts = [
    num(x.drillTables) !== null &&
      `${x.drillTables} tables, ${num(x.drillRows) ?? '?'} rows matched in ${durationText(num(x.drillDatabaseMs))}`,
    num(x.drillFilesMs) !== null && `file sample matched in ${durationText(num(x.drillFilesMs))}`,
  ].filter(Boolean);
  const source = d.sourceRunId ? `backup ${d.sourceRunId.slice(0, 8)}` : '';
  return [source, ...parts].filter(Boolean).join(' · ') || '—';
}

import { LiveRefresh } from '@/components/live-refresh';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import type { SnapshotRow } from '@/db/queries/snapshots';
import type { RecipeRun } from '@/db/schema';
import { SNAPSHOT_KEEP_DAYS, formatBytes } from '@/lib/recipes/release/snapshot';
import { SnapshotRestoreForm } from './snapshot-restore-form';

const when = (d: Date | null) => <Time value={d} />;

function state(s: SnapshotRow, now: Date) {
  if (s.deletedAt) return <Badge>removed {when(s.deletedAt)}</Badge>;
  if (s.expiresAt <= now) return <Badge tone="warn">expired: removed at the next release</Badge>;
  return <Badge tone="good">kept</Badge>;
}

/**
 * The release's pre-migration database snapshot (seed 002): when it was taken, its size, when it
 * expires and when it was restored; for admins, the confirmed restore. Nothing shows for
 * releases that took none. A restore's own run and log are listed with the release's runs;
 * `latest` is the latest restore run and `log` its log.
 */
export function SnapshotSection(props: {
  appId: string;
  slug: string;
  snapshots: SnapshotRow[];
  latest: RecipeRun | undefined;
  log: string;
  canRestore: boolean;
}) {
  const { appId, slug, snapshots, latest, log, canRestore } = props;
  if (snapshots.length === 0) return null;
  const restoring = latest?.status === 'queued' || latest?.status === 'running';
  const now = new Date();
  return (
    <div className="mt-6">
      <LiveRefresh active={restoring} />
      <Card
        title="Database snapshot"
        description={`pg_dump -Fc of the app's database on its data server, taken before this release's migrations; kept ${SNAPSHOT_KEEP_DAYS} days.`}
      >
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="snapshots">
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="pr-2 font-medium">Taken</th>
                <th className="pr-2 font-medium">Size</th>
                <th className="pr-2 font-medium">Expires</th>
                <th className="pr-2 font-medium">Restored</th>
                <th className="font-medium">State</th>
              </tr>
            </thead>
            <tbody>
              {snapshots.map((s) => (
                <tr key={s.id} className="border-t border-slate-100" data-testid="snapshot-row" data-restored={s.restoredAt ? 'yes' : 'no'}>
                  <td className="py-1 pr-2">{when(s.createdAt)}</td>
                  <td className="py-1 pr-2">{s.sizeBytes === null ? '—' : formatBytes(s.sizeBytes)}</td>
                  <td className="py-1 pr-2">{when(s.expiresAt)}</td>
                  <td className="py-1 pr-2">{when(s.restoredAt)}</td>
                  <td className="py-1">{state(s, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {latest && (
          <p className="mt-3 text-sm" data-testid="snapshot-restore-status" data-status={latest.status}>
            Last restore, {when(latest.createdAt)}: <strong>{latest.status}</strong>
            {latest.error && <span className="block whitespace-pre-wrap text-red-700">{latest.error}</span>}
          </p>
        )}
        {log && (
          <details className="mt-2 text-sm" open={restoring}>
            <summary className="cursor-pointer text-indigo-700">Restore log</summary>
            <pre
              data-testid="snapshot-restore-log"
              className="mt-2 max-h-64 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100"
            >
              {log}
            </pre>
          </details>
        )}
        {canRestore &&
          snapshots
            .filter((s) => !s.deletedAt)
            .slice(0, 1)
            .map((s) => <SnapshotRestoreForm key={s.id} appId={appId} snapshotId={s.id} slug={slug} />)}
      </Card>
    </div>
  );
}

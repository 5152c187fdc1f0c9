import Link from 'next/link';
import { RollbackButton } from '@/components/apps/release-forms';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { CurrentRelease } from '@/db/queries/dashboard-panel';
import { ago } from '@/lib/dashboard/status';

/** What is live, how it got there, and (for deployers) one click back to the previous good deploy. */
export function CurrentReleaseCard({
  appId,
  current,
  canDeploy,
  now,
}: {
  appId: string;
  current: CurrentRelease | null;
  canDeploy: boolean;
  now: Date;
}) {
  if (!current) {
    return (
      <Card title="Current release">
        <p className="text-sm text-slate-600" data-testid="current-release">
          Nothing deployed yet.
        </p>
      </Card>
    );
  }
  const { live, via, rollbackTo } = current;
  const when = via.finishedAt ?? via.createdAt;
  return (
    <Card title="Current release">
      <div className="text-sm" data-testid="current-release" data-number={live.number ?? ''}>
        <p>
          <Link href={`/apps/${appId}/releases/${live.id}`} className="font-mono font-medium text-indigo-700 hover:underline">
            #{live.number}
          </Link>{' '}
          <span className="font-mono text-xs">{live.sha?.slice(0, 10)}</span> {live.subject ?? ''} <Badge tone="good">live</Badge>
        </p>
        <p className="mt-1 text-xs text-slate-500">
          {via.kind === 'rollback' ? (
            <>
              Rolled back to it by{' '}
              <Link className="underline" href={`/apps/${appId}/releases/${via.id}`}>
                a rollback
              </Link>
            </>
          ) : (
            'Deployed'
          )}{' '}
          {ago(when, now)}.
        </p>
      </div>
      {canDeploy && (
        <div className="mt-3">
          {rollbackTo ? (
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span>
                Previous good deploy:{' '}
                <Link href={`/apps/${appId}/releases/${rollbackTo.id}`} className="font-mono text-indigo-700 hover:underline">
                  #{rollbackTo.number}
                </Link>
              </span>
              <RollbackButton appId={appId} targetId={rollbackTo.id} number={rollbackTo.number!} envRevision={rollbackTo.envRevision} />
            </div>
          ) : (
            <p className="text-xs text-slate-500">No earlier kept deploy to roll back to.</p>
          )}
        </div>
      )}
    </Card>
  );
}

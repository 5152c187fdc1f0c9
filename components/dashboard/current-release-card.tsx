import Link from 'next/link';
import { RollbackButton } from '@/components/apps/release-forms';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import { noPreviousNote, otherTargetsNote, releaseStanding } from '@/lib/releases/release-labels';
import type { RollbackChoice } from '@/lib/releases/rollback-targets';

/**
 * What is live, how it got there, and (for deployers) one click back to the previous good deploy.
 * `current` is lib/releases/rollback-targets.ts's rule, the one the app page's releases list
 * reads: when one click has nothing, the card names what that list still offers instead.
 */
export function CurrentReleaseCard({ appId, current, canDeploy }: { appId: string; current: RollbackChoice; canDeploy: boolean }) {
  const { live, via, previous } = current;
  if (!live || !via) {
    return (
      <Card title="Current release">
        <p className="text-sm text-slate-600" data-testid="current-release">
          Nothing deployed yet.
        </p>
      </Card>
    );
  }
  const when = via.finishedAt ?? via.createdAt;
  const standing = releaseStanding(live, current);
  const others = otherTargetsNote(current);
  return (
    <Card title="Current release">
      <div className="text-sm" data-testid="current-release" data-number={live.number ?? ''}>
        <p>
          <Link href={`/apps/${appId}/releases/${live.id}`} className="font-mono font-medium text-indigo-700 hover:underline">
            #{live.number}
          </Link>{' '}
          <span className="font-mono text-xs">{live.sha?.slice(0, 10)}</span> {live.subject ?? ''}{' '}
          {standing && (
            <span title={standing.title}>
              <Badge tone={standing.tone}>{standing.text}</Badge>
            </span>
          )}
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
          <Time value={when} format="relative" />.
        </p>
      </div>
      {canDeploy && (
        <div className="mt-3" data-testid="rollback-offer">
          {previous ? (
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span>
                Previous good deploy:{' '}
                <Link href={`/apps/${appId}/releases/${previous.release.id}`} className="font-mono text-indigo-700 hover:underline">
                  #{previous.release.number}
                </Link>
              </span>
              <RollbackButton
                appId={appId}
                targetId={previous.release.id}
                number={previous.release.number!}
                envRevision={previous.release.envRevision}
              />
            </div>
          ) : (
            <p className="text-xs text-slate-500">{noPreviousNote(current)}</p>
          )}
          {others && <p className="mt-1 text-xs text-slate-500">{others}</p>}
          {current.targets.length > (previous ? 1 : 0) && (
            <Link className="text-xs text-indigo-700 underline" href={`/apps/${appId}/deployments`}>
              All releases
            </Link>
          )}
        </div>
      )}
    </Card>
  );
}

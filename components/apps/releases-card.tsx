import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { App, Release } from '@/db/schema';
import { DeployForm, RedeployButton, RollbackButton } from './release-forms';
import { RELEASE_TONE } from '@/components/ui/status-tones';

const seconds = (r: Release) =>
  r.startedAt && r.finishedAt ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)} s` : '—';

/**
 * Release history (`list`, newest first) with the Deploy form and a rollback button on each kept,
 * successful deploy; `live` is the deploy now serving (db/queries/releases.ts liveDeploy).
 */
export function ReleasesCard({ app, canDeploy, list, live }: { app: App; canDeploy: boolean; list: Release[]; live: Release | undefined }) {
  const currentRelease = live ?? null;
  const current = currentRelease?.number ?? null;
  const kept = new Set(
    list
      .filter((r) => r.kind === 'deploy' && r.status === 'succeeded')
      .slice(0, app.config.release.keepReleases)
      .map((r) => r.id),
  );
  return (
    <Card
      title="Releases"
      description={
        currentRelease
          ? `Current: releases/${current} at ${currentRelease.sha?.slice(0, 10)} ${currentRelease.subject ?? ''}`
          : 'Nothing deployed yet: the placeholder page is served.'
      }
    >
      {canDeploy &&
        (app.config.repository ? (
          <div className="flex flex-wrap items-end gap-3">
            <DeployForm appId={app.id} branch={app.config.branch} />
            {currentRelease?.sha && <RedeployButton appId={app.id} sha={currentRelease.sha} />}
          </div>
        ) : (
          <p className="text-sm text-slate-600">Set a repository in the settings to deploy.</p>
        ))}
      <table className="mt-3 w-full text-left text-sm" data-testid="releases">
        <tbody>
          {list.map((r) => (
            <tr
              key={r.id}
              className="border-t border-slate-100"
              data-testid="release-row"
              data-status={r.status}
              data-number={r.number ?? ''}
            >
              <td className="py-1 pr-2 font-mono">
                <Link className="text-indigo-700 hover:underline" href={`/apps/${app.id}/releases/${r.id}`}>
                  {r.kind === 'deploy' ? `#${r.number}` : `↩ ${r.ref}`}
                </Link>
              </td>
              <td className="py-1 pr-2 font-mono text-xs">{r.sha?.slice(0, 10) ?? r.ref}</td>
              <td className="max-w-48 truncate py-1 pr-2">{r.subject ?? ''}</td>
              <td className="py-1 pr-2">{r.trigger}</td>
              <td className="py-1 pr-2 text-xs" title="The env revision this release wrote to shared/.env">
                {r.envRevision && (r.kind === 'deploy' || r.restoresEnv) ? `env #${r.envRevision}` : ''}
              </td>
              <td className="py-1 pr-2">{seconds(r)}</td>
              <td className="py-1 pr-2">
                <Badge tone={RELEASE_TONE[r.status]}>{r.status.replace('_', ' ')}</Badge> {r.bad && <Badge tone="bad">bad</Badge>}{' '}
                {r.kind === 'deploy' && r.number === current && <Badge tone="good">current</Badge>}
              </td>
              <td className="py-1 text-right">
                {canDeploy && kept.has(r.id) && r.number !== current && (
                  <RollbackButton appId={app.id} targetId={r.id} number={r.number!} envRevision={r.envRevision} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

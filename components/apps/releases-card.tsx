import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { App, Release } from '@/db/schema';
import { releaseStanding } from '@/lib/releases/release-labels';
import { badWarning, type RollbackChoice } from '@/lib/releases/rollback-targets';
import { DeployForm, RedeployButton, RollbackButton } from './release-forms';
import { RELEASE_TONE } from '@/components/ui/status-tones';

const seconds = (r: Release) =>
  r.startedAt && r.finishedAt ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)} s` : '—';

/**
 * Release history (`list`, newest first) with the Deploy form. What is live, what is bad and
 * which rows get a rollback button all come from `choice` (lib/releases/rollback-targets.ts),
 * the rule the dashboard, the API and the rollback request itself follow.
 */
export function ReleasesCard({
  app,
  canDeploy,
  list,
  choice,
  servers,
}: {
  app: App;
  canDeploy: boolean;
  list: Release[];
  choice: RollbackChoice;
  servers: number;
}) {
  const currentRelease = choice.live;
  const current = currentRelease?.number ?? null;
  const targets = new Map(choice.targets.map((t) => [t.release.id, t]));
  return (
    <Card
      title="Releases"
      description={
        currentRelease
          ? `Live: releases/${current} at ${currentRelease.sha?.slice(0, 10)} ${currentRelease.subject ?? ''}`
          : 'Nothing deployed yet: the placeholder page is served.'
      }
    >
      {canDeploy &&
        (app.config.repository ? (
          <div className="flex flex-wrap items-end gap-3">
            <DeployForm
              appId={app.id}
              branch={app.config.branch}
              canary={servers > 1}
              migrates={app.config.release.hooks.some((h) => h.migration)}
            />
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
                <Standing release={r} choice={choice} />
              </td>
              <td className="py-1 text-right">
                {canDeploy && targets.has(r.id) && (
                  <RollbackButton
                    appId={app.id}
                    targetId={r.id}
                    number={r.number!}
                    envRevision={r.envRevision}
                    warning={badWarning(targets.get(r.id)!)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

/** One label: the release's standing (live, bad and why, cleaned up) where it has one, else its status. */
function Standing({ release: r, choice }: { release: Release; choice: RollbackChoice }) {
  const standing = releaseStanding(r, choice);
  if (!standing) return <Badge tone={RELEASE_TONE[r.status]}>{r.status.replace('_', ' ')}</Badge>;
  return (
    <span title={standing.title} data-testid="release-standing">
      <Badge tone={standing.tone}>{standing.text}</Badge>
    </span>
  );
}

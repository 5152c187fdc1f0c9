import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import { RELEASE_TONE } from '@/components/ui/status-tones';
import { branchOf, duration, startedBy } from '@/components/releases/release-row-text';
import type { ReleaseRow } from '@/db/queries/releases';
import type { App, Release } from '@/db/schema';
import { releaseStanding } from '@/lib/releases/release-labels';
import { badWarning, type RollbackChoice } from '@/lib/releases/rollback-targets';
import { RedeployButton, RollbackButton } from './release-forms';

export type ReleasePageData = { rows: ReleaseRow[]; total: number; page: number; pages: number };

const TH = 'px-2 py-2 font-medium whitespace-nowrap';
const TD = 'px-2 py-1.5 align-top';

/**
 * One page of the release history, newest first. What is live, what is bad and which rows get a
 * rollback button all come from `choice` (lib/releases/rollback-targets.ts), the rule the
 * dashboard, the API and the rollback request itself follow. The table scrolls inside the card
 * when the screen is narrow (the scroller is `relative` so the header's absolutely positioned
 * sr-only text scrolls with it instead of widening the page); long commit subjects are cut with
 * the full text on hover.
 */
export function ReleasesCard({
  app,
  canDeploy,
  data,
  choice,
}: {
  app: App;
  canDeploy: boolean;
  data: ReleasePageData;
  choice: RollbackChoice;
}) {
  const live = choice.live;
  const targets = new Map(choice.targets.map((t) => [t.release.id, t]));
  return (
    <Card
      title="Releases"
      description={
        live
          ? `Live: releases/${live.number} at ${live.sha?.slice(0, 10)} ${live.subject ?? ''}`
          : 'Nothing deployed yet: the placeholder page is served.'
      }
    >
      {canDeploy && !app.config.repository && <p className="text-sm text-slate-600">Set a repository in the settings to deploy.</p>}
      {canDeploy && live?.sha && (
        <div className="mb-3 flex flex-wrap items-center gap-3 text-sm text-slate-600">
          <RedeployButton appId={app.id} sha={live.sha} />
          <span>Deploys the live commit again (after changing build commands, say).</span>
        </div>
      )}
      {data.total === 0 ? (
        <p className="text-sm text-slate-600">No releases yet.</p>
      ) : (
        <div className="relative max-w-full overflow-x-auto" data-testid="releases-scroll">
          <table className="w-full min-w-[52rem] text-left text-sm" data-testid="releases">
            <thead className="border-b border-slate-200 text-xs text-slate-500">
              <tr>
                <th className={TH}>#</th>
                <th className={TH}>Commit</th>
                <th className={TH}>Branch</th>
                <th className={TH}>Started by</th>
                <th className={TH}>When</th>
                <th className={TH}>Duration</th>
                <th className={TH}>Status</th>
                <th className={TH}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr
                  key={r.id}
                  className="border-t border-slate-100"
                  data-testid="release-row"
                  data-status={r.status}
                  data-number={r.number ?? ''}
                >
                  <td className={`${TD} font-mono whitespace-nowrap`}>
                    <Link className="text-indigo-700 hover:underline" href={`/apps/${app.id}/releases/${r.id}`}>
                      {r.kind === 'deploy' ? `#${r.number}` : '↩'}
                    </Link>
                  </td>
                  <td className={`${TD} max-w-64`}>
                    <div className="truncate" title={[r.sha, r.subject].filter(Boolean).join(' ') || undefined}>
                      <span className="font-mono text-xs">{r.sha?.slice(0, 7) ?? ''}</span> {r.subject ?? ''}
                    </div>
                    {r.envRevision && (r.kind === 'deploy' || r.restoresEnv) ? (
                      <div className="text-xs text-slate-500" title="The env revision this release wrote to shared/.env">
                        env #{r.envRevision}
                      </div>
                    ) : null}
                  </td>
                  <td className={`${TD} max-w-32 truncate font-mono text-xs`} title={branchOf(r)}>
                    {branchOf(r)}
                  </td>
                  <td className={`${TD} max-w-56 truncate`} title={startedBy(r)} data-testid="release-started-by">
                    {startedBy(r)}
                  </td>
                  <td className={`${TD} whitespace-nowrap`}>
                    <Time value={r.createdAt} format="relative" />
                  </td>
                  <td className={`${TD} whitespace-nowrap tabular-nums`}>{duration(r) ?? '—'}</td>
                  <td className={`${TD} max-w-56`}>
                    <Standing release={r} choice={choice} />
                  </td>
                  <td className={`${TD} text-right whitespace-nowrap`}>
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
        </div>
      )}
      <Pager appId={app.id} data={data} />
    </Card>
  );
}

/** Newer/older links: server-side pages (?page=), so any page can be linked to. */
function Pager({ appId, data }: { appId: string; data: ReleasePageData }) {
  if (data.pages <= 1) return null;
  const href = (page: number) => `/apps/${appId}/deployments${page > 1 ? `?page=${page}` : ''}`;
  const link = 'rounded px-2 py-1 text-indigo-700 ring-1 ring-slate-200 hover:bg-slate-50';
  return (
    <nav aria-label="Release pages" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm" data-testid="releases-pager">
      <span className="text-slate-600" data-testid="releases-page">
        Page {data.page} of {data.pages} · {data.total} releases
      </span>
      <span className="flex gap-2">
        {data.page > 1 && (
          <Link className={link} href={href(data.page - 1)} rel="prev">
            Newer
          </Link>
        )}
        {data.page < data.pages && (
          <Link className={link} href={href(data.page + 1)} rel="next">
            Older
          </Link>
        )}
      </span>
    </nav>
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

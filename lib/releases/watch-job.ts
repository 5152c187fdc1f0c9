import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import { activeRelease, findRelease, liveDeploy, updateRelease } from '@/db/queries/releases';
import type { KeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { notify } from '@/lib/notify/emit';
import { releaseLink } from '@/lib/notify/links';
import { releasePaths } from '@/lib/recipes/release/paths';
import type { Enqueue } from '@/lib/servers/requests';
import { transportFor } from '@/lib/servers/remote';
import { requestAutoRollback } from './auto-rollback';
import { readWatch, watchVerdict, type ServerWatch } from './watch';

/** Seconds between two reads of the access logs: a job per poll, so a long window holds no worker. */
export const WATCH_POLL_S = 5;
export const watchKey = (appId: string) => `watch:${appId}`;

export type WatchPayload = Extract<JobPayload, { kind: 'release-watch' }>;

/** Queued when a deploy succeeds with a watch window: the first poll takes the rate before the switch. */
export function startWatch(enqueue: Enqueue, releaseId: string, appId: string, windowS: number) {
  const until = new Date(Date.now() + windowS * 1000).toISOString();
  return enqueue({ kind: 'release-watch', releaseId, until, servers: [] }, watchKey(appId));
}

/** One read of every web server's access log; the next poll is queued unless the window closed or a verdict fell. */
export async function watchStep(db: Db, ring: KeyRing, p: WatchPayload, send: Enqueue): Promise<void> {
  const release = await findRelease(db, p.releaseId);
  const app = release && (await findApp(db, release.appId));
  if (!release || !app || release.bad) return;
  // Superseded (a newer deploy or a rollback is live or on its way): that release is watched, or chosen, instead.
  if ((await liveDeploy(db, app.id))?.id !== release.id || (await activeRelease(db, app.id))) return;
  const dir = releasePaths(app.slug, release.number!).dir;
  const web = (await placementsOfApp(db, app.id)).filter((pl) => pl.roles.includes('web'));
  const servers: ServerWatch[] = [];
  for (const { server } of web) {
    const prev = p.servers.find((s) => s.serverId === server.id) ?? null;
    const next = await transportFor(server, ring, { db })
      .then((transport) => readWatch(transport, app.slug, dir, prev, server.id))
      // An unreachable server is the monitors' alert, not a verdict on the release: keep what was read.
      .catch(() => prev);
    if (!next) continue;
    servers.push(next);
    const reason = watchVerdict(next, app.config.release.watchErrorRisePct);
    if (reason) return rollBackWatched(db, send, release.id, `on ${server.name}, ${reason}`);
  }
  if (Date.now() < Date.parse(p.until)) await send({ ...p, servers }, watchKey(app.id), { startAfterS: WATCH_POLL_S });
}

/** The watched release is marked bad with the reason, alerted, and a rollback to the deploy before it is queued. */
async function rollBackWatched(db: Db, send: Enqueue, releaseId: string, reason: string): Promise<void> {
  const release = (await findRelease(db, releaseId))!;
  const app = (await findApp(db, release.appId))!;
  const error = `Watch window: ${reason}.`;
  const rollback = await requestAutoRollback(db, send, app.id).catch((err: Error) => err);
  const outcome =
    rollback instanceof Error
      ? `The automatic rollback was not queued: ${rollback.message}`
      : `Rolling back (release ${rollback.id.slice(0, 8)}).`;
  await updateRelease(db, release.id, { bad: true, failedStep: 'watch', error: `${error} ${outcome}`.slice(0, 2000) });
  await notify(db, {
    type: 'release.rolled_back',
    title: `${app.name}: Deploy #${release.number} was rolled back by its watch window`,
    text: `${release.ref}${release.sha ? ` (${release.sha.slice(0, 12)})` : ''}\n${error} ${outcome}`,
    url: releaseLink(app.id, release.id),
    appId: app.id,
    releaseId: release.id,
  });
}

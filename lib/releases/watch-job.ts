import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import { activeRelease, findRelease, liveDeploy, updateRelease } from '@/db/queries/releases';
import type { Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { notify } from '@/lib/notify/emit';
import { releaseLink } from '@/lib/notify/links';
import { releasePaths } from '@/lib/recipes/release/paths';
import type { Enqueue } from '@/lib/servers/requests';
import { transportFor } from '@/lib/servers/remote';
import { requestAutoRollback } from './auto-rollback';
import { readWatch, watchVerdict, type ServerWatch } from './watch';

/** Seconds between two reads of the access logs. */
export const WATCH_POLL_S = 5;

/** Where a watch stands between two polls: until when, and what each server's log was read up to. */
export type WatchState = { releaseId: string; until: number; servers: ServerWatch[] };

/**
 * Started in the panel process that ran the deploy, once it succeeded with a watch window: a
 * timer chain, one poll every WATCH_POLL_S until the window closes or a verdict falls. Not a job
 * per poll: pg-boss on PGlite did not run a successor queued with `startAfter` (measured: still
 * "created" 10 s after its time), and one job looping for the whole window would hold a worker.
 * A panel restart ends the window early (the release stays as it is).
 */
export function startWatch(db: Db, ring: KeyRing, send: Enqueue, releaseId: string, windowS: number): void {
  const poll = async (state: WatchState) => {
    const next = await watchStep(db, ring, state, send).catch((err: Error) => {
      console.error(`berth: the watch window of release ${releaseId} stopped: ${err.message}`);
      return null;
    });
    if (next) setTimeout(() => void poll(next), WATCH_POLL_S * 1000).unref();
  };
  void poll({ releaseId, until: Date.now() + windowS * 1000, servers: [] });
}

/**
 * One read of every web server's access log. Returns the state for the next poll, or null when
 * the watch is over: the window closed, a newer release is live, or the verdict fell (and the
 * rollback was asked for).
 */
export async function watchStep(db: Db, ring: KeyRing, p: WatchState, send: Enqueue): Promise<WatchState | null> {
  const release = await findRelease(db, p.releaseId);
  const app = release && (await findApp(db, release.appId));
  if (!release || !app || release.bad) return null;
  // Superseded (a newer deploy or a rollback is live): that one is watched, or was chosen, instead.
  if ((await liveDeploy(db, app.id))?.id !== release.id) return null;
  const next = (servers: ServerWatch[]) => (Date.now() < p.until ? { ...p, servers } : null);
  // A release on its way may still fail or be cancelled: until it goes live, this one stays watched.
  if (await activeRelease(db, app.id)) return next(p.servers);
  const dir = releasePaths(app.slug, release.number!).dir;
  const web = (await placementsOfApp(db, app.id)).filter((pl) => pl.roles.includes('web'));
  const servers: ServerWatch[] = [];
  for (const { server } of web) {
    const prev = p.servers.find((s) => s.serverId === server.id) ?? null;
    const read = await readServerWatch(db, ring, server, app.slug, dir, prev);
    if (!read) continue;
    servers.push(read);
    const reason = watchVerdict(read, app.config.release.watchErrorRisePct);
    if (reason) {
      await rollBackWatched(db, send, release.id, `on ${server.name}, ${reason}`);
      return null;
    }
  }
  return next(servers);
}

/**
 * One server's access log since `prev`. A read that fails (an unreachable server, an SSH hiccup)
 * keeps what was read: that is the monitors' alert, not a verdict on the release.
 */
export function readServerWatch(db: Db, ring: KeyRing, server: Server, slug: string, dir: string, prev: ServerWatch | null) {
  return transportFor(server, ring, { db })
    .then((transport) => readWatch(transport, slug, dir, prev, server.id))
    .catch(() => prev);
}

/** The watched release is marked bad with the reason, alerted, and a rollback to the deploy before it is queued. */
async function rollBackWatched(db: Db, send: Enqueue, releaseId: string, reason: string): Promise<void> {
  const release = (await findRelease(db, releaseId))!;
  const app = (await findApp(db, release.appId))!;
  const error = `Watch window: ${reason}.`;
  // Read again just before: what goes back must still be what was judged (the queue's lock does the rest).
  if ((await liveDeploy(db, app.id))?.id !== release.id) return;
  const rollback = await requestAutoRollback(db, send, app.id).catch((err: Error) => err);
  const queued = !(rollback instanceof Error);
  const outcome = queued
    ? `Rolling back (release ${rollback.id.slice(0, 8)}).`
    : `The automatic rollback was not queued: ${rollback.message}`;
  await updateRelease(db, release.id, { bad: true, failedStep: 'watch', error: `${error} ${outcome}`.slice(0, 2000) });
  await notify(db, {
    type: queued ? 'release.rolled_back' : 'release.failed',
    title: queued
      ? `${app.name}: Deploy #${release.number} was rolled back by its watch window`
      : `${app.name}: Deploy #${release.number} failed its watch window and was NOT rolled back`,
    text: `${release.ref}${release.sha ? ` (${release.sha.slice(0, 12)})` : ''}\n${error} ${outcome}`,
    url: releaseLink(app.id, release.id),
    appId: app.id,
    releaseId: release.id,
  });
}

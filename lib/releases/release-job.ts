import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import { activeConfigureRuns, findRelease, finishRelease, liveDeploy, startQueuedRelease, updateRelease } from '@/db/queries/releases';
import type { App, Release } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { appEnvSecrets } from '@/lib/env/secrets';
import type { AppRole } from '@/lib/recipes/configure';
import { stopIdleSlots } from '@/lib/recipes/release/web-slot-ops';
import { announceReleaseEnd } from '@/lib/notify/events';
import { Redactor } from '@/lib/remote/redact';
import type { Enqueue } from '@/lib/servers/requests';
import { transportFor } from '@/lib/servers/remote';
import { decisiveFailure } from './canary';
import { deploy, rollbackAcross, withNotes, type Placed } from './deploy-flow';
import { fetchRelease } from './fetch';
import { recordLockHold } from './lock-holds';
import { envOf, envRevisionsBefore, settleReleaseEnv } from './release-env';
import { startWatch } from './watch-job';
import { scrubText } from '@/lib/log/scrub';

/** How often a running release looks for a cancel request (another request, maybe another panel process, made it). */
const CANCEL_POLL_MS = 1000;

/** `prepare`'s refusal when an earlier step still holds the app's release lock on a server. */
const LOCK_BUSY = /^A step of an earlier release is still running on /;

/** Aborts the job's work when the release row says it was cancelled; `by` names who asked. */
function followCancel(db: Db, releaseId: string, signal: AbortSignal) {
  const controller = new AbortController();
  let by: string | null = null;
  const timer = setInterval(() => {
    void findRelease(db, releaseId)
      .then((r) => {
        if (!r?.cancelRequestedAt || controller.signal.aborted) return;
        by = r.cancelledBy ?? 'someone';
        controller.abort(new Error(`cancelled by ${by}`));
      })
      .catch(() => {});
  }, CANCEL_POLL_MS);
  return { signal: AbortSignal.any([signal, controller.signal]), by: () => by, stop: () => clearInterval(timer) };
}

/**
 * Every server of the app, connected before anything changes anywhere (one unreachable server
 * stops the release). Each transport hides `secrets` (the app's env values) from its logs and errors.
 */
async function connectAll(db: Db, ring: KeyRing, appId: string, secrets: string[]): Promise<Placed[]> {
  const placements = await placementsOfApp(db, appId);
  return Promise.all(
    placements.map(async ({ server, roles }) => {
      // db: a host key refusal is recorded (server marked, audited, alerted) the moment it happens.
      const transport = await transportFor(server, ring, { secrets, db }).catch((err: Error) => {
        throw new Error(`${server.name}: ${err.message}`);
      });
      return { server, roles: roles.filter((r): r is AppRole => r === 'web' || r === 'worker'), transport };
    }),
  );
}

async function rollback(db: Db, ring: KeyRing, app: App, release: Release, placed: Placed[], signal: AbortSignal) {
  const target = release.targetId ? await findRelease(db, release.targetId) : undefined;
  if (!target?.number || target.status !== 'succeeded')
    throw Object.assign(new Error('The release to roll back to is not a kept, successful deploy.'), { step: 'switch' });
  const current = await liveDeploy(db, app.id);
  const env = release.restoresEnv ? await envOf(db, ring, app, release) : undefined;
  const envBefore = await envRevisionsBefore(db, app.id);
  const { results, parts } = await rollbackAcross(db, app, release, placed, target.number, signal, env);
  const failure = decisiveFailure(results);
  const envNotes = await settleReleaseEnv(db, app, parts, envBefore, !failure);
  if (failure) {
    await stopIdleSlots(app.config, placed);
    return finishRelease(db, release.id, { status: 'failed', failedStep: failure.failedTask, error: withNotes(failure.error, envNotes) });
  }
  await finishRelease(db, release.id, { status: 'succeeded', sha: target.sha, subject: target.subject });
  // The release rolled back from (the one that was live) is bad: "roll back to previous" skips it.
  if (current && current.id !== target.id) await updateRelease(db, current.id, { bad: true });
}

/** The job side of Deploy and Rollback: connect every server (while the commit is fetched), then the recipe step by step across them. */
export async function runRelease(
  db: Db,
  ring: KeyRing,
  releaseId: string,
  signal: AbortSignal,
  dataDir: string,
  send?: Enqueue,
): Promise<void> {
  const release = await findRelease(db, releaseId);
  const app = release && (await findApp(db, release.appId));
  if (!release || !app || release.status !== 'queued') return;
  // Claimed only if still queued: a cancel that landed since the read wins, and nothing runs.
  if (!(await startQueuedRelease(db, release.id))) return;
  const hidden = new Redactor();
  const cancel = followCancel(db, release.id, signal);
  let quiet = false;
  try {
    const busy = await activeConfigureRuns(db, app.id);
    if (busy.length) throw Object.assign(new Error('The app is being configured; deploy again when that run ends.'), { step: 'connect' });
    if (release.kind === 'deploy' && !app.config.repository)
      throw Object.assign(new Error('The app has no repository: set one in its settings.'), { step: 'fetch' });
    // Fetched on the panel while the servers connect: neither waits for the other.
    const fetching =
      release.kind === 'deploy'
        ? fetchRelease(dataDir, app.id, app.config.repository!, release.ref, release.id, { db, ring, slug: app.slug }).catch(
            (err: Error) => {
              throw Object.assign(err, { step: 'fetch' });
            },
          )
        : null;
    fetching?.catch(() => {}); // awaited below; a connect failure first must not leave it unhandled
    // Opened once for the job: the saved values, what each server has, and the revision this release writes.
    const secrets = await appEnvSecrets(db, ring, app, [release.envRevision]).catch((err: Error) => {
      throw Object.assign(new Error(`Could not open the app's environment (needed to keep it out of the logs): ${err.message}`), {
        step: 'connect',
      });
    });
    hidden.add(...secrets);
    const placed = await connectAll(db, ring, app.id, secrets).catch((err: Error) => {
      throw Object.assign(err, { step: 'connect' });
    });
    if (placed.length === 0) throw Object.assign(new Error('The app has no servers.'), { step: 'connect' });
    if (fetching) {
      const end = await deploy(db, ring, app, release, placed, await fetching, cancel.signal, cancel.by);
      quiet = await quietLockRefusal(db, release.id, app, placed);
      if (end.startWatch && send && app.config.release.watchWindowS > 0)
        startWatch(db, ring, send, release.id, app.config.release.watchWindowS);
    } else await rollback(db, ring, app, release, placed, signal); // a rollback is the way back: never cancelled mid-way
  } catch (err) {
    const e = err as Error & { step?: string };
    await finishRelease(db, release.id, {
      status: 'failed',
      failedStep: e.step ?? 'release',
      // Stored, shown and sent in alerts: a database error's parameter values are not.
      error: scrubText(hidden.redact(e.message)).slice(0, 2000),
    });
  } finally {
    cancel.stop();
  }
  // Every path above ends in finishRelease; a failed or auto-rolled-back outcome is an alert, but
  // neither a cancel (someone asked for it) nor a lock refusal (recorded; Deploy now says busy).
  const ended = await findRelease(db, release.id);
  if (!quiet && ended?.status !== 'cancelled') await announceReleaseEnd(db, release.id);
}

/**
 * A release that met the app's lock held on a server (a step Berth did not know of): the hold is
 * recorded, so the next Deploy is refused at the click, and this one is not alerted.
 */
async function quietLockRefusal(db: Db, releaseId: string, app: App, placed: Placed[]): Promise<boolean> {
  const ended = await findRelease(db, releaseId);
  if (ended?.status !== 'failed' || ended.failedStep !== 'prepare' || !LOCK_BUSY.test(ended.error ?? '')) return false;
  const name = ended.error!.replace(LOCK_BUSY, '').split(' ')[0];
  const server = placed.find((p) => p.server.name === name)?.server ?? placed[0]!.server;
  await recordLockHold(db, {
    appId: app.id,
    serverId: server.id,
    releaseId: null,
    holder: 'a step Berth did not start or lost track of',
    since: new Date(),
  });
  return true;
}

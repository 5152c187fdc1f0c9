import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import {
  activeConfigureRuns,
  activeRelease,
  cancelQueuedRelease,
  insertRelease,
  requestCancel,
  updateRelease,
} from '@/db/queries/releases';
import type { Release } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { branchInput } from '@/lib/model/app-fields';
import { isUniqueViolation, type Enqueue } from '@/lib/servers/requests';
import type { KeyRing } from '@/lib/crypto';
import { openEnvRevision, saveEnv } from '@/lib/env/store';
import { lockRefusal } from './lock-holds';
import { badWarning, isRefusal, pickTarget, rollbackTargets } from './rollback-targets';

/** Releases queue per app: apps deploy concurrently, one release per app at a time. */
export const appKey = (appId: string) => `app:${appId}`;

/**
 * The app's lock is the insert itself; a refused insert says who holds the lock and since when.
 * `prepare` runs while the lock is held, before the job is queued (a rollback restoring its
 * env); if it or the enqueue fails, the release is marked failed and nothing runs.
 */
export async function queueRelease(
  db: Db,
  enqueue: Enqueue,
  r: Parameters<typeof insertRelease>[1],
  prepare?: (release: Release) => Promise<Partial<Release>>,
): Promise<Release> {
  // A deleting app's servers are being emptied (lib/apps/delete.ts): nothing deploys there again.
  if ((await findApp(db, r.appId))?.deletingAt) throw new ActionError('This app is being deleted.', undefined, 'conflict');
  let release: Release;
  try {
    release = await insertRelease(db, r);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const holder = await activeRelease(db, r.appId);
    const who = holder?.requestedByName ?? (holder?.trigger === 'webhook' ? 'a webhook' : 'someone');
    throw new ActionError(
      `A release is already ${holder?.status ?? 'running'} for this app: started by ${who} at ${holder?.createdAt.toISOString() ?? 'just now'}.`,
    );
  }
  try {
    if (prepare) {
      const patch = await prepare(release);
      await updateRelease(db, release.id, patch);
      release = { ...release, ...patch };
    }
    await enqueue({ kind: 'release', releaseId: release.id }, appKey(r.appId));
  } catch (err) {
    await updateRelease(db, release.id, { status: 'failed', error: 'Could not queue the release.', finishedAt: new Date() });
    throw err;
  }
  return release;
}

export async function requestDeploy(
  db: Db,
  enqueue: Enqueue,
  input: { appId: string; ref: string; userId: number | null; trigger: 'button' | 'redeploy' | 'webhook'; canary?: boolean },
): Promise<Release> {
  const app = await findApp(db, input.appId);
  if (!app) throw new ActionError('That app does not exist.');
  if (!app.config.repository) throw new ActionError('Set the app’s repository in its settings first.', { ref: ['No repository set'] });
  const ref = branchInput.safeParse(input.ref.trim() || app.config.branch);
  if (!ref.success) throw new ActionError('Please correct the highlighted fields.', { ref: ['Enter a branch name or a commit sha'] });
  if ((await activeConfigureRuns(db, app.id)).length) throw new ActionError('The app is being configured; deploy when that run ends.');
  // Refused before anything is numbered, queued or alerted.
  const busy = await lockRefusal(db, app.id);
  if (busy) throw new ActionError(busy, undefined, 'conflict');
  return queueRelease(db, enqueue, {
    appId: app.id,
    kind: 'deploy',
    ref: ref.data,
    trigger: input.trigger,
    requestedBy: input.userId,
    canary: !!input.canary,
  });
}

/**
 * One click on a rollback target (lib/releases/rollback-targets.ts: the rule every page, the API
 * and this check share). A target marked bad is accepted, chosen by id: the result's `warning`
 * says so. With `restoreEnv`, the env revision that deploy ran with is first saved again as the
 * newest revision (history kept), and the rollback writes it to shared/.env before switching.
 */
export async function requestRollback(
  db: Db,
  enqueue: Enqueue,
  input: { appId: string; targetId: string; userId: number; restoreEnv?: { ring: KeyRing } },
): Promise<Release & { warning: string | null }> {
  const picked = pickTarget(await rollbackTargets(db, input.appId), { id: input.targetId });
  if (isRefusal(picked)) throw new ActionError(picked.refused, undefined, picked.code);
  const target = picked.release;
  if (input.restoreEnv && !target.envRevision)
    throw new ActionError(`releases/${target.number} ran before the environment was saved in Berth: roll back without restoring it.`);
  const row = {
    appId: input.appId,
    kind: 'rollback' as const,
    ref: `releases/${target.number}`,
    targetId: target.id,
    trigger: 'rollback' as const,
    requestedBy: input.userId,
    restoresEnv: !!input.restoreEnv,
  };
  const ring = input.restoreEnv?.ring;
  const release = await queueRelease(db, enqueue, row, ring && (() => restoreEnvOf(db, ring, target, input.userId)));
  return { ...release, warning: badWarning(picked) };
}

/**
 * With the app's release lock held: the target's env revision saved again as the newest one,
 * and that number recorded on the rollback, so a save racing in meanwhile is not what it writes.
 */
async function restoreEnvOf(db: Db, ring: KeyRing, target: Release, userId: number): Promise<Partial<Release>> {
  const snapshot = await openEnvRevision(db, ring, target.appId, target.envRevision!);
  const saved = await saveEnv(db, ring, target.appId, snapshot.values, {
    source: 'restore',
    restoredFrom: target.envRevision!,
    createdBy: userId,
  });
  return { envRevision: saved.revision };
}

/**
 * Cancels a release. Queued: it never starts. Running: its job is asked to stop (it polls every
 * second): before the switch it stops and removes the new release, after it rolls back (deploy-flow.ts).
 * Returns what will happen, for the page and the audit row.
 */
export async function cancelRelease(db: Db, release: Release, by: string): Promise<'cancelled' | 'stopping'> {
  if (release.status !== 'queued' && release.status !== 'running')
    throw new ActionError(`The release has already ended (${release.status}).`, undefined, 'conflict');
  if (await cancelQueuedRelease(db, release.id, `Cancelled by ${by} before it started.`)) return 'cancelled';
  // Stopping a rollback halfway would leave servers on different releases: it is the way back, so it finishes.
  if (release.kind === 'rollback')
    throw new ActionError('A running rollback is not cancelled: it finishes (or fails) on its own.', undefined, 'conflict');
  if (await requestCancel(db, release.id, by)) return 'stopping';
  throw new ActionError('The release is already being cancelled, or has just ended.', undefined, 'conflict');
}

/**
 * The deploy a rollback goes back to: deploy number `to` (a kept one, bad or not), or the newest
 * kept deploy older than the live one that is not bad (what "roll back" means with no number).
 */
export async function rollbackTarget(db: Db, appId: string, to?: number): Promise<Release> {
  const picked = pickTarget(await rollbackTargets(db, appId), { number: to });
  if (isRefusal(picked)) throw new ActionError(picked.refused, undefined, picked.code);
  return picked.release;
}

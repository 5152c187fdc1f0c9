import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { updateRun } from '@/db/queries/runs';
import {
  expiredSnapshots,
  findSnapshot,
  insertRestoreRun,
  insertSnapshot,
  markSnapshotRestored,
  markSnapshotsDeleted,
} from '@/db/queries/snapshots';
import type { App, RecipeRun } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { dataServiceNames } from '@/lib/model/data-names';
import { dataServerOf } from '@/lib/apps/data-services';
import type { KeyRing } from '@/lib/crypto';
import type { ReleaseContext } from '@/lib/recipes/release';
import { SNAPSHOT_KEEP_DAYS } from '@/lib/recipes/release/snapshot';
import { snapshotRestoreRecipe } from '@/lib/recipes/release/snapshot-restore';
import { runRecipe } from '@/lib/jobs/runner';
import { isUniqueViolation, type Enqueue } from '@/lib/servers/requests';
import { runEnvSecrets } from '@/lib/env/secrets';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { appKey } from './requests';

const DAY_MS = 24 * 60 * 60_000;

/**
 * The data server's part of a release context (seed 002): where the app's Berth-managed database
 * lives, and which of its snapshots expired. Undefined when the app has no such database, or
 * its pinned data server no longer serves it (nothing there to dump).
 */
export async function snapshotTarget(
  db: Db,
  app: App,
): Promise<{ serverId: string; database: NonNullable<ReleaseContext['database']> } | undefined> {
  if (!app.config.dataServices.postgres) return undefined;
  const { server, gone } = await dataServerOf(db, app.id);
  if (!server || gone) return undefined;
  const { database, role } = dataServiceNames(app.config.slug);
  const expired = await expiredSnapshots(db, app.id, server.id, new Date());
  return { serverId: server.id, database: { database, role, expired: expired.map((s) => ({ id: s.id, path: s.path })) } };
}

/** After the recipe ran (succeeded or not): the snapshot it took, restored or not, and the expired ones cleanup removed. */
export async function recordSnapshots(db: Db, appId: string, releaseId: string, contexts: ReleaseContext[]): Promise<void> {
  for (const ctx of contexts) {
    const s = ctx.snapshot;
    if (s) {
      const row = {
        appId,
        releaseId,
        serverId: ctx.server.id,
        path: s.path,
        createdAt: s.takenAt,
        expiresAt: new Date(s.takenAt.getTime() + SNAPSHOT_KEEP_DAYS * DAY_MS),
        restoredAt: s.restoredAt ?? null,
      };
      await insertSnapshot(db, row, s.sizeBytes);
    }
    await markSnapshotsDeleted(db, ctx.removedSnapshots ?? [], new Date());
  }
}

/**
 * "Restore snapshot" (admins, confirmed by typing the app's slug): a run on the snapshot's
 * server, queued on the app's key so it never overlaps a release of the app. Destructive, so
 * refused while a release is queued or running rather than silently queued behind it.
 */
export async function requestSnapshotRestore(
  db: Db,
  enqueue: Enqueue,
  input: { appId: string; snapshotId: string; confirm: string; userId: number },
): Promise<RecipeRun> {
  const app = await findApp(db, input.appId);
  const snap = await findSnapshot(db, input.snapshotId);
  if (!app || !snap || snap.appId !== app.id) throw new ActionError('That snapshot does not exist.');
  if (input.confirm.trim() !== app.config.slug)
    throw new ActionError('Type the app’s slug to confirm.', { confirm: [`Type ${app.config.slug} to confirm`] });
  if (snap.deletedAt) throw new ActionError('That snapshot expired and was removed from the server.');
  const active = await activeRelease(db, app.id);
  if (active) throw new ActionError(`A release is ${active.status} for this app: restore once it has finished.`);
  let run: RecipeRun;
  try {
    run = await insertRestoreRun(db, { appId: app.id, serverId: snap.serverId, releaseId: snap.releaseId, requestedBy: input.userId });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ActionError('Another run is queued or running on that server: try again when it has finished.');
    throw err;
  }
  try {
    await enqueue({ kind: 'snapshot-restore', runId: run.id, snapshotId: snap.id }, appKey(app.id));
  } catch (err) {
    await updateRun(db, run.id, { status: 'failed', error: 'Could not queue the restore.', finishedAt: new Date() });
    throw err;
  }
  return run;
}

/** The job side of "Restore snapshot": one task on the snapshot's server; restored_at is set before the run shows success. */
export async function runSnapshotRestore(db: Db, ring: KeyRing, runId: string, snapshotId: string, signal: AbortSignal): Promise<void> {
  const started = await startQueuedRun(db, ring, runId, { secrets: runEnvSecrets(db, ring) });
  if (!started) return;
  const { run, transport } = started;
  const app = run.appId ? await findApp(db, run.appId) : undefined;
  const snap = await findSnapshot(db, snapshotId);
  const problem = !app
    ? 'The app no longer exists.'
    : !snap || snap.appId !== app.id
      ? 'The snapshot no longer exists.'
      : snap.deletedAt
        ? 'The snapshot expired and was removed from the server.'
        : null;
  if (problem || !app || !snap) return updateRun(db, runId, { status: 'failed', error: problem, finishedAt: new Date() });
  const { database, role } = dataServiceNames(app.config.slug);
  const ctx = { slug: app.config.slug, database, role, path: snap.path };
  await runRecipe(db, runId, snapshotRestoreRecipe, ctx, transport, signal, () => markSnapshotRestored(db, snap.id, new Date()));
}

import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import {
  findBackupRun,
  findTarget,
  finishRunningBackupRun,
  interruptBackupRunOnce,
  keptBackups,
  markForgotten,
  startQueuedBackupRun,
  updateBackupRun,
} from '@/db/queries/backups';
import { createRun, findRun } from '@/db/queries/runs';
import type { App, BackupRun, NewBackupRun } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { runRecipe } from '@/lib/jobs/runner';
import { dataServiceNames } from '@/lib/model/data-names';
import { appLayout } from '@/lib/plan/app-layout';
import { BACKUP_RECIPES, type BackupContext } from '@/lib/recipes/backup';
import { removeRunFiles } from '@/lib/recipes/backup/prepare';
import { repoOf, runPaths } from '@/lib/recipes/backup/restic';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { recordBackupSuccess } from './dead-man';
import { backupServerOf, configPathsOf, restoreParts, sourceOf } from './engine-context';
import { notifyBackupFailed } from './notify';
import { retentionForget } from './retention';
import { policyOf } from './requests';
import { openTargetSecrets } from './targets';

/**
 * The job side of a backup, verify, drill or restore (queued by lib/backups/requests.ts on the
 * app's key). It runs the kind's recipe on one server as a recipe run (the per-task log), and
 * keeps the backup_runs row in step: running, each stage's time as it is reached, then
 * succeeded or failed with the stage that failed. A failed run alerts (backup.failed); a
 * succeeded backup is the policy's dead man's ping; a succeeded drill marks its source backup
 * restore-verified.
 */
export async function runBackupJob(db: Db, ring: KeyRing, runId: string, signal: AbortSignal): Promise<void> {
  const run = await findBackupRun(db, runId);
  if (run?.status !== 'queued') return;
  const started = new Date();
  // Only a still-queued run starts: a lost-job sweep may have interrupted it since it was read.
  if (!(await startQueuedBackupRun(db, runId, started))) return;
  let app: App | undefined;
  /** Finishes the run if it is still running (an interrupt recorded meanwhile wins, and alerted itself): whether it did. */
  const finish = async (patch: Partial<NewBackupRun> & { status: 'succeeded' | 'failed' }) => {
    const finishedAt = new Date();
    const done = await finishRunningBackupRun(db, runId, { ...patch, finishedAt, durationMs: finishedAt.getTime() - started.getTime() });
    if (done && patch.status === 'failed') await notifyBackupFailed(db, done, app?.config.slug ?? '?');
    return done !== undefined;
  };
  try {
    app = await findApp(db, run.appId);
    const outcome = app ? await runOn(db, ring, run, app, signal) : { error: 'The app no longer exists', failedStage: 'prepare' };
    if ('error' in outcome) {
      await finish({ status: 'failed', error: outcome.error.slice(0, 4000), failedStage: outcome.failedStage });
      return;
    }
    if (!(await finish({ ...outcome.patch, status: 'succeeded' }))) return;
    if (run.kind === 'backup') await recordBackupSuccess(db, run.appId, run.policy);
    if (run.kind === 'drill' && outcome.sourceRunId) await updateBackupRun(db, outcome.sourceRunId, { restoreVerifiedAt: new Date() });
  } catch (err) {
    await finish({ status: 'failed', error: `The run stopped: ${(err as Error).message}`.slice(0, 4000), failedStage: 'prepare' });
  }
}

type Outcome = { error: string; failedStage: string } | { patch: Partial<NewBackupRun>; sourceRunId?: string };

async function runOn(db: Db, ring: KeyRing, run: BackupRun, app: App, signal: AbortSignal): Promise<Outcome> {
  const fail = (error: string): Outcome => ({ error, failedStage: 'prepare' });
  const policy = policyOf(app.config, run.policy);
  if (!policy) return fail(`The app has no backup policy named ${run.policy} any more`);
  const target = run.targetId ? await findTarget(db, run.targetId) : undefined;
  if (!target) return fail(`The target ${run.targetName} no longer exists`);
  const secrets = openTargetSecrets(ring, target);
  const source = run.kind === 'backup' ? undefined : await sourceOf(db, run, (id) => findBackupRun(db, id));
  if (typeof source === 'string') return fail(source);
  const where = await backupServerOf(db, app, policy);
  if (!where.server) return fail(where.problem!);
  const recipe = BACKUP_RECIPES[run.kind];
  // Not held up by the server's configure or provision runs: backup recipes are outside that guard
  // (recipe_runs_one_active_idx); backup_runs_one_active_idx guards them per app and policy.
  const recipeRun = await createRun(db, { serverId: where.server.id, recipe: recipe.name, appId: app.id, requestedBy: run.requestedBy });
  await updateBackupRun(db, run.id, { serverId: where.server.id, recipeRunId: recipeRun.id, sourceRunId: source?.id ?? null });
  const started = await startQueuedRun(db, ring, recipeRun.id, {
    secrets: async () => [secrets.repoKey, ...(secrets.credential ? [secrets.credential] : [])],
  });
  if (!started) return fail((await findRun(db, recipeRun.id))?.error ?? `Could not reach ${where.server.name}`);
  const slug = app.config.slug;
  const paths = runPaths(slug, run.id);
  const ctx: BackupContext = {
    kind: run.kind,
    runId: run.id,
    slug,
    policy,
    target: { settings: target.settings, ...secrets },
    paths,
    repo: repoOf(target.settings, slug, paths),
    database: where.database ? dataServiceNames(slug) : undefined,
    shared: appLayout(slug).shared,
    configPaths: configPathsOf(app.config),
    source: source && { runId: source.id, snapshotId: source.snapshotId!, manifest: source.manifest!, paths: runPaths(slug, source.id) },
    restore: run.kind === 'restore' ? restoreParts(run.detail) : undefined,
    now: () => new Date(),
    record: (patch) => updateBackupRun(db, run.id, patch),
    planForget: async () => {
      // This run counts as the newest verified backup: retention runs after its verify.
      const self = { ...run, status: 'succeeded' as const, verifiedAt: new Date(), snapshotId: ctx.out.snapshotId ?? null };
      const { forget } = retentionForget(
        // Only this target's backups: another target's snapshots are not in this repository.
        [self, ...(await keptBackups(db, run.appId, run.policy, target.id)).filter((r) => r.id !== run.id)],
        policy.retention,
      );
      const gone = forget.filter((r) => r.id !== run.id && r.snapshotId);
      return { snapshotIds: gone.map((r) => r.snapshotId!), runIds: gone.map((r) => r.id) };
    },
    markForgotten: (ids) => markForgotten(db, ids, new Date()),
    out: { manifest: {}, detail: {} },
  };
  let result: Awaited<ReturnType<typeof runRecipe>>;
  try {
    result = await runRecipe(db, recipeRun.id, recipe, ctx, started.transport, signal);
  } finally {
    await removeRunFiles(started.transport, ctx).catch((err: Error) =>
      console.warn(`berth: backup run ${run.id}: its secrets and staging could not be removed (the next run sweeps them): ${err.message}`),
    );
  }
  if (!result.ok) return { error: result.error, failedStage: result.failedTask };
  const detail = { ...(run.detail ?? {}), ...ctx.out.detail };
  if (run.kind === 'backup') return { patch: { manifest: ctx.out.manifest, snapshotId: ctx.out.snapshotId, detail } };
  const stage = run.kind === 'drill' ? { restoreVerifiedAt: new Date() } : {};
  return { patch: { snapshotId: source!.snapshotId, detail, ...stage }, sourceRunId: source!.id };
}

/** A backup job that ended without its handler finishing (the panel died): recorded as interrupted, and alerted like a failure, once. */
export async function interruptBackupJob(db: Db, runId: string): Promise<void> {
  const run = await interruptBackupRunOnce(db, runId);
  if (!run) return;
  const app = await findApp(db, run.appId);
  await notifyBackupFailed(db, run, app?.config.slug ?? '?');
}

import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findBackupRun, findTargetByName, insertRun, insertRunIfIdle, keptBackups, updateBackupRun } from '@/db/queries/backups';
import type { BackupRun, BackupRunKind } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { BackupPolicy } from '@/lib/model/backup-policy';
import type { Enqueue } from '@/lib/servers/requests';

/** Backup work for one app runs one job at a time (a restore never beside a backup of the same app). */
export const backupJobKey = (appId: string) => `backup:${appId}`;

export type BackupRequest = {
  appId: string;
  policy: string;
  kind: BackupRunKind;
  /** verify, drill, restore: the backup to use (default: the policy's newest verified one). */
  sourceRunId?: string;
  userId?: number | null;
  /** A scheduled run's cron slot. */
  scheduledFor?: Date;
  /** Restores: what the operator chose (e.g. { into: 'new-database' }). */
  detail?: Record<string, string | number | boolean | null>;
};

export type RequestOutcome = { run: BackupRun; skipped: boolean };

export function policyOf(config: { backups: BackupPolicy[] }, name: string): BackupPolicy | undefined {
  return config.backups.find((p) => p.name === name);
}

/**
 * The one way backup work is queued (buttons, the API, the scheduler). A second request while a
 * run of the same policy and kind is queued or running is not run beside it: it is recorded as
 * `skipped`, with the run it yielded to, so the history shows it happened.
 */
export async function requestBackupRun(db: Db, enqueue: Enqueue, req: BackupRequest): Promise<RequestOutcome> {
  const app = await findApp(db, req.appId);
  if (!app) throw new ActionError('That app no longer exists');
  const policy = policyOf(app.config, req.policy);
  if (!policy) throw new ActionError(`The app has no backup policy named ${req.policy}`);
  // A verify, drill or restore reads the repository its backup was written to, which is not the
  // policy's target any more once the policy was pointed elsewhere.
  const source = req.kind === 'backup' ? undefined : await sourceBackup(db, app.id, policy.name, req.sourceRunId);
  const target = source ? { id: source.targetId, name: source.targetName } : await findTargetByName(db, policy.target);
  if (!target?.id)
    throw new ActionError(
      source
        ? `The target ${source.targetName} that backup was written to no longer exists`
        : `The policy's target ${policy.target} does not exist: add it under Settings → Backup targets`,
    );
  const row = {
    appId: app.id,
    policy: policy.name,
    kind: req.kind,
    targetId: target.id,
    targetName: target.name,
    sourceRunId: source?.id ?? null,
    scheduledFor: req.scheduledFor ?? null,
    requestedBy: req.userId ?? null,
    detail: req.detail ?? null,
  };
  const run = await insertRunIfIdle(db, row);
  if (!run) {
    const skipped = await insertRun(db, {
      ...row,
      status: 'skipped',
      error: `A ${req.kind} of this policy was already queued or running, so this one did not start`,
      finishedAt: new Date(),
    });
    return { run: skipped, skipped: true };
  }
  try {
    await enqueue({ kind: 'backup', runId: run.id }, backupJobKey(app.id));
  } catch (err) {
    // A row left queued with no job would hold the policy's one active slot for ever.
    await updateBackupRun(db, run.id, {
      status: 'failed',
      failedStage: 'queue',
      error: `Could not queue: ${(err as Error).message}`,
      finishedAt: new Date(),
    });
    throw err;
  }
  return { run, skipped: false };
}

/** The backup a verify, drill or restore uses: the one asked for, else the policy's newest kept one. */
async function sourceBackup(db: Db, appId: string, policy: string, sourceRunId: string | undefined): Promise<BackupRun> {
  const source = sourceRunId ? await findBackupRun(db, sourceRunId) : (await keptBackups(db, appId, policy))[0];
  if (!source) throw new ActionError('There is no succeeded backup of this policy yet');
  if (source.appId !== appId || source.policy !== policy || source.kind !== 'backup' || source.status !== 'succeeded')
    throw new ActionError('That run is not a succeeded backup of this policy');
  if (source.forgottenAt) throw new ActionError('That backup was removed from the target by retention');
  return source;
}

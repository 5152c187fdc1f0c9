import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findTargetByName, insertRun, insertRunIfIdle } from '@/db/queries/backups';
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
  const target = await findTargetByName(db, policy.target);
  if (!target) throw new ActionError(`The policy's target ${policy.target} does not exist: add it under Settings → Backup targets`);
  const row = {
    appId: app.id,
    policy: policy.name,
    kind: req.kind,
    targetId: target.id,
    targetName: target.name,
    sourceRunId: req.sourceRunId ?? null,
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
  await enqueue({ kind: 'backup', runId: run.id }, backupJobKey(app.id));
  return { run, skipped: false };
}

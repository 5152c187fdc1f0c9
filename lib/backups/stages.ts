import type { BackupRun } from '@/db/schema';
import { ago } from '@/lib/dashboard/status';
import { BACKUP_STAGES, type BackupStage } from '@/lib/model/backup-policy';
import type { Tone } from '@/lib/model/tone';

/**
 * A policy's status as the UI and alerts show it: the weakest stage its latest backup reached,
 * never one green tick. A backup is only as good as the last check on it, so a verification or
 * drill that failed AFTER the backup finished (a copy corrupted on the target) turns the policy
 * bad even though the backup run itself succeeded.
 */

type Run = Pick<BackupRun, 'id' | 'status' | 'createdAt' | 'finishedAt' | 'failedStage' | 'error'> &
  Pick<BackupRun, 'dumpedAt' | 'uploadedAt' | 'verifiedAt' | 'restoreVerifiedAt'>;
type Check = Pick<BackupRun, 'status' | 'createdAt' | 'finishedAt' | 'sourceRunId' | 'error'>;

export type StageStatus = {
  /** The furthest stage the latest backup reached (null: none, or no backup yet). */
  stage: BackupStage | null;
  tone: Tone;
  /** "verification failed 2 h ago", "verified remotely 5 h ago; no restore drill has passed yet". */
  label: string;
  /** What the label's time refers to. */
  at: Date | null;
  /** The run whose failure the status shows, if any. */
  failed: 'backup' | 'verify' | 'drill' | null;
};

export const STAGE_LABELS: Record<BackupStage, string> = {
  dumped: 'dumped',
  uploaded: 'uploaded',
  verified: 'verified remotely',
  restoreVerified: 'restore-verified',
};

const STAGE_COLUMN = {
  dumped: 'dumpedAt',
  uploaded: 'uploadedAt',
  verified: 'verifiedAt',
  restoreVerified: 'restoreVerifiedAt',
} as const satisfies Record<BackupStage, keyof Run>;

/** The furthest stage reached, with its time: the stages are reached in order, so the last one set counts. */
export function stageReached(run: Run): { stage: BackupStage | null; at: Date | null } {
  for (const stage of [...BACKUP_STAGES].reverse()) {
    const at = run[STAGE_COLUMN[stage]];
    if (at) return { stage, at };
  }
  return { stage: null, at: null };
}

const endOf = (r: Pick<BackupRun, 'createdAt' | 'finishedAt'>) => r.finishedAt ?? r.createdAt;

/** A failed check counts against the backup when it ran on it, or finished after it (the copy it checked is the one we rely on). */
function failedAfter(check: Check | null | undefined, backup: Run): Check | null {
  if (check?.status !== 'failed') return null;
  return check.sourceRunId === backup.id || endOf(check).getTime() >= endOf(backup).getTime() ? check : null;
}

const firstLine = (text: string | null) => (text ?? '').trim().split('\n')[0]!.slice(0, 160);

export function weakestStage(
  latestBackup: Run | null | undefined,
  latestVerify?: Check | null,
  latestDrill?: Check | null,
  now = new Date(),
): StageStatus {
  if (!latestBackup) return { stage: null, tone: 'warn', label: 'no backup yet', at: null, failed: null };
  const reached = stageReached(latestBackup);
  const bad = (failed: StageStatus['failed'], what: string, run: Check | Run): StageStatus => {
    const why = firstLine(run.error);
    return { ...reached, tone: 'bad', label: `${what} ${ago(endOf(run), now)}${why ? `: ${why}` : ''}`, at: endOf(run), failed };
  };

  switch (latestBackup.status) {
    case 'failed':
      return bad('backup', `backup failed${latestBackup.failedStage ? ` at ${latestBackup.failedStage}` : ''}`, latestBackup);
    case 'interrupted':
      return bad('backup', 'backup interrupted', latestBackup);
    case 'queued':
    case 'running':
    case 'skipped':
      // Callers pass the latest finished backup; an unfinished one says so rather than claiming a stage.
      return { ...reached, tone: 'warn', label: `backup ${latestBackup.status}`, at: latestBackup.createdAt, failed: null };
  }

  const failedVerify = failedAfter(latestVerify, latestBackup);
  if (failedVerify) return bad('verify', 'verification failed', failedVerify);
  const failedDrill = failedAfter(latestDrill, latestBackup);
  if (failedDrill) return bad('drill', 'restore drill failed', failedDrill);

  const when = reached.at ? ` ${ago(reached.at, now)}` : '';
  if (reached.stage === 'restoreVerified')
    return { ...reached, tone: 'good', label: `restore-verified${when}`, at: reached.at, failed: null };
  if (reached.stage === 'verified') {
    // Verified remotely, not restored yet: good when a drill of this policy has passed (restores are proven), else a warning.
    const drilled = latestDrill?.status === 'succeeded';
    return {
      ...reached,
      tone: drilled ? 'good' : 'warn',
      label: `verified remotely${when}${drilled ? '' : '; no restore drill has passed yet'}`,
      at: reached.at,
      failed: null,
    };
  }
  // A succeeded run that never reached verification is not a backup anyone checked.
  const label = reached.stage ? `only ${STAGE_LABELS[reached.stage]}${when}, not verified` : 'succeeded without reaching any stage';
  return { ...reached, tone: 'bad', label, at: reached.at, failed: null };
}

import { describe, expect, it } from 'vitest';
import type { BackupRun } from '@/db/schema';
import { weakestStage } from './stages';

const NOW = new Date('2030-03-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

const run = (over: Partial<BackupRun> = {}): BackupRun =>
  ({
    id: 'b1',
    status: 'succeeded',
    createdAt: hoursAgo(5),
    finishedAt: hoursAgo(4),
    failedStage: null,
    error: null,
    sourceRunId: null,
    dumpedAt: hoursAgo(4.9),
    uploadedAt: hoursAgo(4.5),
    verifiedAt: hoursAgo(4),
    restoreVerifiedAt: null,
    ...over,
  }) as BackupRun;

const check = (status: BackupRun['status'], finishedHoursAgo: number, over: Partial<BackupRun> = {}) =>
  run({ id: 'c1', status, createdAt: hoursAgo(finishedHoursAgo + 0.1), finishedAt: hoursAgo(finishedHoursAgo), ...over });

describe('weakestStage', () => {
  it('no backup yet is a warning, not green', () => {
    expect(weakestStage(undefined, undefined, undefined, NOW)).toMatchObject({ stage: null, tone: 'warn', label: 'no backup yet' });
  });

  it('a restore-verified backup is good', () => {
    expect(weakestStage(run({ restoreVerifiedAt: hoursAgo(2) }), null, check('succeeded', 2), NOW)).toMatchObject({
      stage: 'restoreVerified',
      tone: 'good',
      label: 'restore-verified 2 h ago',
    });
  });

  it('verified remotely is good once a drill of the policy has passed, a warning before', () => {
    expect(weakestStage(run(), null, check('succeeded', 30), NOW)).toMatchObject({
      stage: 'verified',
      tone: 'good',
      label: 'verified remotely 4 h ago',
    });
    expect(weakestStage(run(), null, null, NOW)).toMatchObject({
      stage: 'verified',
      tone: 'warn',
      label: 'verified remotely 4 h ago; no restore drill has passed yet',
    });
  });

  it('a failed backup shows the stage it failed at and the first line of the error', () => {
    const failed = run({
      status: 'failed',
      verifiedAt: null,
      uploadedAt: null,
      failedStage: 'upload',
      error: 'rclone: 403 Forbidden\nmore detail',
    });
    expect(weakestStage(failed, null, null, NOW)).toMatchObject({
      stage: 'dumped',
      tone: 'bad',
      label: 'backup failed at upload 4 h ago: rclone: 403 Forbidden',
      failed: 'backup',
    });
    expect(weakestStage(run({ status: 'interrupted', verifiedAt: null }), null, null, NOW)).toMatchObject({
      tone: 'bad',
      failed: 'backup',
    });
  });

  it('a verification that failed after the backup (the corrupted copy) turns a succeeded backup bad', () => {
    const s = weakestStage(run(), check('failed', 2, { error: 'repository contains errors' }), null, NOW);
    expect(s).toMatchObject({
      stage: 'verified',
      tone: 'bad',
      label: 'verification failed 2 h ago: repository contains errors',
      failed: 'verify',
    });
  });

  it('a drill that failed after the backup turns it bad, even when the backup was restore-verified before', () => {
    const s = weakestStage(
      run({ restoreVerifiedAt: hoursAgo(3) }),
      check('succeeded', 3),
      check('failed', 2, { error: 'row counts differ' }),
      NOW,
    );
    expect(s).toMatchObject({ tone: 'bad', label: 'restore drill failed 2 h ago: row counts differ', failed: 'drill' });
  });

  it('a failure on an older backup is superseded by a newer backup, unless it checked that very backup', () => {
    const older = check('failed', 10);
    expect(weakestStage(run(), older, null, NOW).tone).not.toBe('bad');
    expect(weakestStage(run(), { ...older, sourceRunId: 'b1' }, null, NOW)).toMatchObject({ tone: 'bad', failed: 'verify' });
  });

  it('a succeeded backup that never reached verification is bad', () => {
    expect(weakestStage(run({ verifiedAt: null }), null, null, NOW)).toMatchObject({
      stage: 'uploaded',
      tone: 'bad',
      label: 'only uploaded 5 h ago, not verified',
    });
  });

  it('an unfinished backup is a warning that says so', () => {
    expect(weakestStage(run({ status: 'running', verifiedAt: null, uploadedAt: null }), null, null, NOW)).toMatchObject({
      stage: 'dumped',
      tone: 'warn',
      label: 'backup running',
    });
  });
});

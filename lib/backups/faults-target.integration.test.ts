import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBackupRun } from '@/db/queries/backups';
import { updateAppConfig } from '@/db/queries/apps';
import { backupPolicyInput } from '@/lib/model/backup-policy';
import { cmd } from '@/lib/remote/command';
import {
  type S3Target,
  type SftpTarget,
  s3SaveTarget,
  sftpSaveTarget,
  startS3Target,
  startSftpTarget,
} from '@/test-support/backup-targets';
import { bareAppBed } from '@/test-support/backup-bed';
import { requestBackupRun } from './requests';
import { runBackupJob } from './run-job';
import { saveTarget } from './targets';

// Issue 17's faults on the target's side, against a real chrooted SFTP server and a real s3rver
// (which checks SigV4 signatures here): unreachable, wrong credentials, a missing bucket, and
// full mid-upload. Each must end failed at the stage that failed, with nothing left on the
// server and no snapshot on the target; the first four within seconds (the preflight), with a
// message that says what failed.
const SLUG = 'bkftgt';
const DIR = `/var/backups/berth/${SLUG}`;
let bed: Awaited<ReturnType<typeof bareAppBed>>;
let s3: S3Target;
/** A 2 MB target: the repository's start fits, the upload (4 MB of random bytes) does not. */
let small: SftpTarget;
const host1 = () => bed.hosts[0]!.transport;
const ls = async () => (await host1().exec(cmd('ls', '-A', DIR), { okExitCodes: [0, 2] })).stdout.trim().split('\n').filter(Boolean);

/** Every file under a target directory (empty when there is none). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function otherPrivateKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-otherkey-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    return fs.readFileSync(path.join(dir, 'k'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function backup(policy: string) {
  const { run } = await requestBackupRun(bed.t.db, async () => 'job', { appId: bed.app.id, policy, kind: 'backup' });
  await runBackupJob(bed.t.db, bed.ring, run.id, new AbortController().signal);
  return (await findBackupRun(bed.t.db, run.id))!;
}

/** Never green, nothing uploaded, nothing of the run left on the server, no secret in the error. */
async function expectFailedAt(r: Awaited<ReturnType<typeof backup>>, stage: string, secrets: string[] = []) {
  expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStage: stage, uploadedAt: null, verifiedAt: null, snapshotId: null });
  for (const s of secrets) expect(r.error).not.toContain(s);
  expect(await ls()).toEqual([]);
}

/** A failure the preflight catches: at prepare, in seconds (restic alone retried for about a minute). */
const FAST_MS = 15_000;

beforeAll(async () => {
  [s3, small, bed] = await Promise.all([startS3Target({ port: 4631 }), startSftpTarget({ port: 2231, sizeLimitMb: 2 }), bareAppBed(SLUG)]);
  const { db } = bed.t;
  await saveTarget(db, bed.ring, sftpSaveTarget('small', small));
  // Nothing listens on port 1: a connection there is refused at once.
  await saveTarget(db, bed.ring, sftpSaveTarget('gone', { ...small, port: 1 }));
  await saveTarget(db, bed.ring, { ...sftpSaveTarget('badkey', small), credential: otherPrivateKey() });
  await saveTarget(db, bed.ring, { ...s3SaveTarget('badsecret', s3), credential: 'not-the-secret-key' });
  await saveTarget(db, bed.ring, s3SaveTarget('nobucket', { ...s3, bucket: 'no-such-bucket' }));
  const policies = ['small', 'gone', 'badkey', 'badsecret', 'nobucket'].map((t) =>
    backupPolicyInput.parse({ name: t, target: t, files: ['uploads'] }),
  );
  await updateAppConfig(db, bed.app.id, { ...bed.app.config, backups: policies });
  // Incompressible and bigger than the small target: the upload cannot fit.
  await host1().exec(cmd('install', '-d', `${bed.shared}/uploads`));
  await host1().upload(randomBytes(4 << 20), `${bed.shared}/uploads/big.bin`, { mode: 0o644 });
}, 120_000);

afterAll(async () => {
  await bed?.cleanup();
  await Promise.all([s3?.stop(), small?.stop()]);
});

describe('backup faults on the target', () => {
  it('the target is unreachable: failed at prepare within seconds, saying so, nothing left', async () => {
    const r = await backup('gone');
    await expectFailedAt(r, 'prepare');
    expect(r.dumpedAt).toBeNull();
    expect(r.error).toMatch(/The target is unreachable \(SFTP berthsftp@127\.0\.0\.1:1, path data\).*connection refused/i);
    expect(r.durationMs).toBeLessThan(FAST_MS);
  });

  it('wrong credentials (an SFTP key the target does not know, a wrong S3 secret) and a missing bucket: failed at prepare, nothing written', async () => {
    const sftp = await backup('badkey');
    await expectFailedAt(sftp, 'prepare');
    expect(sftp.error).toMatch(/The target refused the credentials.*(unable to authenticate|handshake failed)/i);
    const s = await backup('badsecret');
    await expectFailedAt(s, 'prepare', ['not-the-secret-key']);
    expect(s.error).toMatch(/The target refused the credentials \(S3 bucket berth-backups at .*\).*SignatureDoesNotMatch/);
    const none = await backup('nobucket');
    await expectFailedAt(none, 'prepare');
    expect(none.error).toMatch(/The bucket does not exist \(S3 bucket no-such-bucket at .*directory not found/);
    for (const r of [sftp, s, none]) expect(r.durationMs).toBeLessThan(FAST_MS);
    expect(filesUnder(path.join(s3.dir, s3.bucket))).toEqual([]);
    expect(filesUnder(small.dir)).toEqual([]);
  });

  it('the target fills up mid-upload: dumped, then failed at upload, no snapshot on the target', async () => {
    const r = await backup('small');
    await expectFailedAt(r, 'upload');
    expect(r.dumpedAt).toBeInstanceOf(Date);
    expect(r.error).toMatch(/500|failure|no space/i);
    // The repository was made and some packs got through, but no snapshot names them.
    const stored = filesUnder(path.join(small.dir, SLUG));
    expect(stored).toContain('config');
    expect(stored.filter((f) => f.startsWith('snapshots/'))).toEqual([]);
  }, 300_000);
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBackupRun, runsOfApp } from '@/db/queries/backups';
import { updateAppConfig } from '@/db/queries/apps';
import { backupPolicyInput } from '@/lib/model/backup-policy';
import { cmd } from '@/lib/remote/command';
import { type S3Target, s3SaveTarget, startS3Target } from '@/test-support/backup-targets';
import { snapshotBed } from '@/test-support/testbed-snapshots';
import { requestBackupRun } from './requests';
import { runBackupJob } from './run-job';
import { saveTarget } from './targets';

// Issue 17's faults on the server's side, with real pg_dump, restic and s3rver on the test bed:
// the disk fills during the dump, pg_dump is killed mid-way, two runs of one policy at once, and
// a backup beside a deploy's pre-migration snapshot. None may end green or leave a part behind.
const SLUG = 'bkfsrv';
const DIR = `/var/backups/berth/${SLUG}`;
let bed: Awaited<ReturnType<typeof snapshotBed>>;
let s3: S3Target;
const POLICIES = [backupPolicyInput.parse({ name: 'daily', target: 's3' })];
const host1 = () => bed.hosts[0]!.transport;
/** A shell loop on host 1 (tests only: Berth itself never sends shell text). */
const onHost1 = (text: string, timeoutMs = 60_000) => host1().exec(cmd('sh', '-c', text), { timeoutMs, okExitCodes: [0, 1] });
const ls = async (dir = DIR) => (await host1().exec(cmd('ls', '-A', dir))).stdout.trim().split('\n').filter(Boolean);

async function queue(policy = 'daily') {
  return requestBackupRun(bed.t.db, async () => 'job', { appId: bed.app.id, policy, kind: 'backup' });
}
async function runJob(id: string) {
  await runBackupJob(bed.t.db, bed.ring, id, new AbortController().signal);
  return (await findBackupRun(bed.t.db, id))!;
}
const backup = async () => runJob((await queue()).run.id);

/** Nothing of a failed run stays in place: no stage reached past the failure, no snapshot, no files. */
async function expectNothingLeft(runId: string, keep: (name: string) => boolean = () => false) {
  const r = (await findBackupRun(bed.t.db, runId))!;
  expect(r.snapshotId).toBeNull();
  expect(r.uploadedAt).toBeNull();
  expect(r.verifiedAt).toBeNull();
  expect((await ls()).filter((n) => !keep(n))).toEqual([]);
}

beforeAll(async () => {
  [s3, bed] = await Promise.all([startS3Target({ port: 4651 }), snapshotBed(SLUG)]);
  await saveTarget(bed.t.db, bed.ring, s3SaveTarget('s3', s3));
  await updateAppConfig(bed.t.db, bed.app.id, { ...bed.app.config, backups: POLICIES });
  // ~10 MB of text that compresses about 2:1: a dump of a few MB, long enough to be caught mid-way.
  await bed.inApp(`CREATE TABLE notes (id int PRIMARY KEY, body text);
    INSERT INTO notes SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 150000) g`);
}, 90_000);

afterAll(async () => {
  await bed?.hosts[0]?.transport.exec(cmd('umount', DIR), { okExitCodes: [0, 32] }).catch(() => {});
  await bed?.cleanup();
  await s3?.stop();
});

describe('backup faults on the server', () => {
  it('the disk fills during the dump (a 1 MB tmpfs over the backup directory): failed at dump, nothing left', async () => {
    await host1().exec(cmd('install', '-d', '-m', '0700', DIR));
    await host1().exec(cmd('mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', DIR));
    try {
      const r = await backup();
      expect(r).toMatchObject({ status: 'failed', failedStage: 'dump', dumpedAt: null });
      expect(r.error).toMatch(/No space left on device/i);
      await expectNothingLeft(r.id);
    } finally {
      await host1().exec(cmd('umount', DIR));
    }
  });

  it('pg_dump killed mid-way: failed at dump, the partial file removed, nothing uploaded', async () => {
    const queued = (await queue()).run;
    // On the host, so the kill lands within milliseconds of the partial dump passing 1 MB.
    const partial = `${DIR}/backup-${queued.id}/database.dump.partial`;
    const killer = onHost1(
      `i=0; while [ "$(stat -c %s ${partial} 2>/dev/null || echo 0)" -lt 1000000 ]; do i=$((i+1)); [ $i -lt 3000 ] || exit 1; sleep 0.01; done; ` +
        `stat -c %s ${partial}; pkill -x pg_dump`,
    );
    const [r, killed] = await Promise.all([runJob(queued.id), killer]);
    expect(killed.code, 'pg_dump was not caught mid-way').toBe(0);
    expect(Number(killed.stdout.trim())).toBeGreaterThanOrEqual(1_000_000);
    expect(r).toMatchObject({ status: 'failed', failedStage: 'dump', dumpedAt: null });
    await expectNothingLeft(r.id);
  });

  it('two runs of one policy at once: the second is recorded as skipped, the first succeeds', async () => {
    const first = (await queue()).run;
    const running = runJob(first.id);
    const second = await queue();
    expect(second.skipped).toBe(true);
    expect(second.run).toMatchObject({ status: 'skipped', policy: 'daily', kind: 'backup' });
    expect(second.run.error).toMatch(/already queued or running/);
    const done = await running;
    expect(done, done.error ?? '').toMatchObject({ status: 'succeeded' });
    expect(done.verifiedAt).toBeInstanceOf(Date);
    const history = (await runsOfApp(bed.t.db, bed.app.id)).filter((r) => r.id === first.id || r.id === second.run.id);
    expect(history.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
  });

  it("a backup beside a deploy's pre-migration snapshot: both dumps whole and restorable", async () => {
    bed.repo.commit({ 'migrations/001.sql': 'CREATE TABLE later (id int);\n' }, 'a migration');
    await bed.configure({ ...bed.migrate('migrations/001.sql'), backups: POLICIES });
    // Both pg_dumps wait on a lock held here, so they are released together and run side by side.
    const lock = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: bed.db });
    await lock.connect();
    try {
      await lock.query('BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
      const release = bed.release();
      const queued = (await queue()).run;
      const run = runJob(queued.id);
      const both = await onHost1(
        'i=0; while [ "$(pgrep -c -x pg_dump)" -lt 2 ]; do i=$((i+1)); [ $i -lt 600 ] || exit 1; sleep 0.05; done',
        45_000,
      );
      await lock.query('COMMIT');
      expect(both.code, 'the two dumps never ran at once').toBe(0);
      const [rel, r] = await Promise.all([release, run]);
      expect(rel, rel.error ?? '').toMatchObject({ status: 'succeeded' });
      expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', failedStage: null });
      // The backup read its dump back from the target: same sha256, and pg_restore --list read it.
      expect(r.verifiedAt).toBeInstanceOf(Date);
      expect(r.manifest!.tables).toMatchObject({ 'public.notes': 150000 });
      // The snapshot is whole: pg_restore reads every data block of it (a cut file fails here).
      const snaps = (await ls()).filter((n) => n.endsWith('.dump'));
      expect(snaps).toHaveLength(1);
      const rows = await onHost1(`pg_restore --data-only -t notes -f - ${DIR}/${snaps[0]} | grep -c .`);
      expect(Number(rows.stdout.trim())).toBeGreaterThan(150000);
      // The backup left only the snapshot behind, and the drill restores it with the same counts.
      expect(await ls()).toEqual(snaps);
      const drill = await requestBackupRun(bed.t.db, async () => 'job', { appId: bed.app.id, policy: 'daily', kind: 'drill' });
      const d = await runJob(drill.run.id);
      expect(d, d.error ?? '').toMatchObject({ status: 'succeeded', sourceRunId: r.id });
    } finally {
      await lock.end();
    }
  }, 120_000);
});

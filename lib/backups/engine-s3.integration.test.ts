import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appLayout } from '@/lib/plan/app-layout';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import { cmd } from '@/lib/remote/command';
import { oneHostBed, type OneHostBed } from '@/test-support/backup-bed';
import { findBackupRun, findTarget, findTargetByName } from '@/db/queries/backups';
import { tasksOf } from '@/db/queries/runs';
import type { BackupRunKind } from '@/db/schema';
import { backupPolicyInput } from '@/lib/model/backup-policy';
import { roleSql } from '@/lib/recipes/backup/pg';
import {
  flipByteIn,
  type S3Target,
  type SftpTarget,
  s3SaveTarget,
  sftpSaveTarget,
  startS3Target,
  startSftpTarget,
} from '@/test-support/backup-targets';
import { requestBackupRun } from './requests';
import { runBackupJob } from './run-job';
import { testTarget } from './target-test';
import { saveTarget } from './targets';

// Issue 17's engine on the real test hosts: the app's Postgres database (host 1 is its data
// server) and a shared uploads directory, backed up with restic through rclone to a real s3rver
// and a real chrooted SFTP server; verified, drilled, restored, and corrupted on the target.
const SLUG = 'bkapp';
const DB = 'app_bkapp';
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
let bed: OneHostBed;
let s3: S3Target;
let sftp: SftpTarget;
const shared = appLayout(SLUG).shared;
const host1 = () => bed.hosts[0]!.transport;
const admin = () => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
async function databases(like: string): Promise<string[]> {
  const c = admin();
  await c.connect();
  try {
    return (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [like])).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

/** Queues a run the one way the panel does, then runs its job here. */
async function run(kind: BackupRunKind, policy = 'daily', detail?: Record<string, string>) {
  const { run: queued } = await requestBackupRun(bed.t.db, async () => 'job', { appId: bed.app.id, policy, kind, detail });
  await runBackupJob(bed.t.db, bed.ring, queued.id, new AbortController().signal);
  const done = (await findBackupRun(bed.t.db, queued.id))!;
  if (process.env.EH_TIMING && done.recipeRunId)
    console.log(
      kind,
      (await tasksOf(bed.t.db, done.recipeRunId))
        .map((t) => `${t.name} ${t.finishedAt && t.startedAt ? t.finishedAt.getTime() - t.startedAt.getTime() : '-'}ms`)
        .join(', '),
    );
  return done;
}

/** Every file under dir that contains the text (grep -r exits 1 when none does). */
function grepDir(dir: string, text: string): string[] {
  try {
    return execFileSync('grep', ['-rl', '--', text, dir], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch (err) {
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
}

beforeAll(async () => {
  [s3, sftp, bed] = await Promise.all([startS3Target({ port: 4601 }), startSftpTarget({ port: 2201 }), oneHostBed(SLUG)]);
  await saveTarget(bed.t.db, bed.ring, s3SaveTarget('s3', s3));
  await saveTarget(bed.t.db, bed.ring, sftpSaveTarget('box', sftp));
  const policies = [
    backupPolicyInput.parse({ name: 'daily', target: 's3', files: ['uploads'] }),
    backupPolicyInput.parse({ name: 'offsite', target: 'box', files: ['uploads'] }),
    backupPolicyInput.parse({ name: 'typo', target: 's3', database: false, files: ['uploads', 'uplaods'] }),
  ];
  await updateAppConfig(bed.t.db, bed.app.id, { ...bed.app.config, backups: policies });
  // tags' CHECK calls the app's own function, true only without superuser rights: a drill or
  // restore that loaded the dump as the superuser (not SET ROLE to the app's role) fails on it.
  // Its third row starts with "COPY " (as Laravel's cache keys can): the row count must not reset.
  await bed.inApp(`CREATE FUNCTION not_superuser() RETURNS boolean LANGUAGE sql AS $$ SELECT current_setting('is_superuser') = 'off' $$;
    CREATE TABLE notes (id int PRIMARY KEY, body text); CREATE TABLE tags (name text CHECK (public.not_superuser()));
    INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 120) g; INSERT INTO notes VALUES (1000, '${CANARY}');
    INSERT INTO tags VALUES ('a'), ('b'), ('COPY public.notes (id, body) FROM stdin;')`);
  await host1().exec(cmd('install', '-d', '-o', SLUG, '-g', SLUG, `${shared}/uploads`, `${shared}/uploads/sub`));
  const uploads: [string, string][] = [
    ['uploads/a.txt', 'first upload\n'],
    ['uploads/sub/b.bin', `${CANARY}\n${'x'.repeat(5000)}`],
  ];
  for (const [name, text] of uploads) await host1().upload(text, `${shared}/${name}`, { mode: 0o640, owner: SLUG, group: SLUG });
}, 90_000);

afterAll(async () => {
  const c = admin();
  await c.connect().catch(() => {});
  for (const d of await databases(`${DB}\\_%`).catch(() => [] as string[])) await c.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
  await c.end().catch(() => {});
  await bed?.cleanup();
  await Promise.all([s3?.stop(), sftp?.stop()]);
});

describe('backups with restic over rclone on a real data server', () => {
  it('"Send test" opens (or makes) a probe repository, and records a refused credential', async () => {
    const target = (await findTargetByName(bed.t.db, 's3'))!;
    const ok = await testTarget(bed.t.db, bed.ring, target.id, bed.hosts[0]!.server.id);
    expect(ok).toMatchObject({ ok: true, error: null });
    expect((await findTarget(bed.t.db, target.id))!.lastTest).toMatchObject({ ok: true });
    await saveTarget(bed.t.db, bed.ring, { ...s3SaveTarget('wrong', s3), credential: 'not-the-key' });
    const wrong = await testTarget(bed.t.db, bed.ring, (await findTargetByName(bed.t.db, 'wrong'))!.id, bed.hosts[0]!.server.id);
    expect(wrong.ok).toBe(false);
    expect(wrong.error).toMatch(/^The target refused the credentials.*SignatureDoesNotMatch/);
    expect(wrong.error).not.toContain('not-the-key');
  });

  it('backs up the database, its role, the uploads and /etc config: every stage set, nothing left on the server', async () => {
    // A panel that died mid-run left its secrets: the next run's prepare removes them.
    const dead = `/var/backups/berth/${SLUG}/keys-00000000-dead`;
    await host1().exec(cmd('install', '-d', '-m', '0700', dead));
    await host1().exec(cmd('touch', '-d', '8 hours ago', dead));
    const r = await run('backup');
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', failedStage: null, forgottenAt: null });
    expect(r.detail).toMatchObject({ verifiedBy: `check --read-data-subset=${new Date().getUTCDay() + 1}/7` });
    for (const at of [r.dumpedAt, r.uploadedAt, r.verifiedAt]) expect(at).toBeInstanceOf(Date);
    expect(r.dumpedAt! <= r.uploadedAt! && r.uploadedAt! <= r.verifiedAt!).toBe(true);
    expect(r.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.sizeBytes).toBeGreaterThan(5000);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.manifest!.tables).toEqual({ 'public.notes': 121, 'public.tags': 3 });
    expect(r.manifest!.dump).toMatchObject({ database: DB, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.manifest!.files!.map((f) => f.path).sort()).toEqual(['uploads/a.txt', 'uploads/sub/b.bin']);
    expect(r.manifest!.config).toContain(`/etc/nginx/sites-enabled/berth-${SLUG}.conf`);
    expect(r.manifest!.config).toContain(`/etc/php/8.2/fpm/pool.d/berth-${SLUG}.conf`);
    const tasks = await tasksOf(bed.t.db, r.recipeRunId!);
    expect(tasks.map((t) => [t.name, t.status])).toEqual([
      ['prepare', 'changed'],
      ['dump', 'changed'],
      ['files', 'changed'],
      ['upload', 'changed'],
      ['verify', 'changed'],
      ['forget', 'unchanged'],
    ]);
    // Secrets and staging are gone; the directory Berth keeps backups in is still root's.
    const left = await host1().exec(cmd('ls', '-A', `/var/backups/berth/${SLUG}`));
    expect(left.stdout.trim()).toBe('');
  });

  it('encrypts on the server: the canary row and file are in no object on S3 or SFTP', async () => {
    const offsite = await run('backup', 'offsite');
    expect(offsite, offsite.error ?? '').toMatchObject({ status: 'succeeded' });
    expect(offsite.verifiedAt).toBeInstanceOf(Date);
    expect(grepDir(s3.dir, 'berth').length).toBeGreaterThan(0); // s3rver's own metadata: grep does search there
    expect(grepDir(s3.dir, CANARY)).toEqual([]);
    expect(grepDir(sftp.dir, CANARY)).toEqual([]);
  });

  it('drills: scratch restore, counts equal, timed, scratch dropped, source restore-verified', async () => {
    const d = await run('drill');
    expect(d, d.error ?? '').toMatchObject({ status: 'succeeded' });
    expect(d.detail).toMatchObject({ drillTables: 2, drillRows: 124 });
    expect(d.detail!.drillDatabaseMs).toBeGreaterThan(0);
    expect(d.durationMs).toBeGreaterThan(0);
    expect(await databases(`${DB}\\_drill\\_%`)).toEqual([]);
    expect((await findBackupRun(bed.t.db, d.sourceRunId!))!.restoreVerifiedAt).toBeInstanceOf(Date);
  });

  it('restores into a new database and swaps it in (the old one kept), files to a side path with a preview', async () => {
    await bed.inApp("DELETE FROM notes WHERE id > 10; INSERT INTO tags VALUES ('after')");
    await host1().upload('changed since\n', `${shared}/uploads/a.txt`, { mode: 0o640, owner: SLUG, group: SLUG });
    const r = await run('restore');
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded' });
    expect((await bed.inApp('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 121 }]);
    expect((await bed.inApp('SELECT count(*)::int AS n FROM tags')).rows).toEqual([{ n: 3 }]);
    // Restored as the app's role (its CHECK ran without superuser rights): it owns every table.
    const owners = await bed.inApp("SELECT DISTINCT tableowner = current_user AS mine FROM pg_tables WHERE schemaname = 'public'");
    expect(owners.rows).toEqual([{ mine: true }]);
    expect(r.detail).toMatchObject({ database: DB, keptAs: expect.stringMatching(/^app_bkapp_before_\d{14}$/), filesDiffering: 1 });
    expect(await databases(`${DB}\\_before\\_%`)).toEqual([r.detail!.keptAs]);
    const restored = `${r.detail!.filesPath}${shared}/uploads/a.txt`;
    expect((await host1().exec(cmd('cat', restored))).stdout).toBe('first upload\n');
    expect((await host1().exec(cmd('cat', `${shared}/uploads/a.txt`))).stdout).toBe('changed since\n');
  });

  it('a policy path missing on the server fails the backup at files, naming it', async () => {
    const r = await run('backup', 'typo');
    expect(r).toMatchObject({ status: 'failed', failedStage: 'files' });
    expect(r.error).toContain(`${shared}/uplaods does not exist on the server`);
  });

  it('roles.sql comes from the catalog: a setting with a line break stays inside its literal', async () => {
    const c = admin();
    await c.connect();
    try {
      await c.query('DROP ROLE IF EXISTS app_bkrole; DROP ROLE IF EXISTS app_bkevil');
      await c.query(`CREATE ROLE app_bkrole LOGIN PASSWORD 'pw' CONNECTION LIMIT 7`);
      await c.query(`ALTER ROLE app_bkrole SET application_name = E'x\nCREATE ROLE app_bkevil SUPERUSER;'`);
      const text = (await c.query(roleSql('app_bkrole'))).rows.map((r) => r.line).join('\n');
      expect(text).toMatch(
        /^CREATE ROLE app_bkrole;\nALTER ROLE app_bkrole WITH LOGIN NOSUPERUSER .* CONNECTION LIMIT 7 PASSWORD 'SCRAM-SHA-256\$/,
      );
      await c.query('DROP ROLE app_bkrole');
      await c.query(text);
      const back = await c.query(
        "SELECT rolcanlogin, rolconnlimit, (SELECT setconfig FROM pg_db_role_setting WHERE setrole = r.oid) AS conf FROM pg_roles r WHERE rolname = 'app_bkrole'",
      );
      expect(back.rows).toEqual([{ rolcanlogin: true, rolconnlimit: 7, conf: ['application_name=x\nCREATE ROLE app_bkevil SUPERUSER;'] }]);
      expect((await c.query("SELECT 1 FROM pg_roles WHERE rolname = 'app_bkevil'")).rowCount).toBe(0);
    } finally {
      await c.query('DROP ROLE IF EXISTS app_bkrole').catch(() => {});
      await c.end();
    }
  });

  it('a byte flipped on the target: verify and the drill fail, naming the stage', async () => {
    flipByteIn(s3.dir);
    const v = await run('verify');
    expect(v).toMatchObject({ status: 'failed', failedStage: 'verify' });
    expect(v.error).toMatch(/error|fail/i);
    const d = await run('drill');
    expect(d.status).toBe('failed');
    expect(['drill-database', 'drill-files']).toContain(d.failedStage);
    expect(await databases(`${DB}\\_drill\\_%`)).toEqual([]);
  });
});

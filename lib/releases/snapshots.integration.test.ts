import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRun } from '@/db/queries/runs';
import { findSnapshot, snapshotsOfRelease } from '@/db/queries/snapshots';
import { insertUser } from '@/db/queries/users';
import { dbSnapshots, recipeRuns, taskRuns } from '@/db/schema';
import type { JobPayload } from '@/lib/jobs/queue';
import type { ReleaseContext } from '@/lib/recipes/release';
import { snapshot } from '@/lib/recipes/release/snapshot';
import { restoreDatabase } from '@/lib/recipes/release/snapshot-restore';
import { cmd } from '@/lib/remote/command';
import { RecordingTransport } from '@/test-support/recording-transport';
import { requestSnapshotRestore, runSnapshotRestore } from './snapshots';
import { snapshotBed } from '@/test-support/testbed-snapshots';

// Seed 002 on the real test hosts: the app's database on host 1, a migration hook that runs SQL
// statement by statement (the fixture's migrate.sh), snapshots in /var/backups/berth/snapapp.
const SLUG = 'snapapp';
const DB = 'app_snapapp';
const DIR = '/var/backups/berth/snapapp';
let bed: Awaited<ReturnType<typeof snapshotBed>>;
const host1 = () => bed.hosts[0]!.transport;
const notes = async () => (await bed.inApp('SELECT id, body FROM notes ORDER BY id', 'postgres')).rows;
const exists = async (table: string) => (await bed.inApp(`SELECT to_regclass('public.${table}') AS t`)).rows[0].t !== null;

beforeAll(async () => {
  bed = await snapshotBed(SLUG);
  bed.repo.commit(
    { 'migrations/001.sql': "CREATE TABLE notes (id int PRIMARY KEY, body text);\nINSERT INTO notes VALUES (1, 'one'), (2, 'two');\n" },
    'notes',
  );
  await bed.configure(bed.migrate('migrations/001.sql'));
});
afterAll(() => bed?.cleanup());

describe('pre-migration snapshots on a real data server', () => {
  it('dumps the database on the data server only, before its migration, root-only, kept 7 days', async () => {
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', number: 1 });
    expect(await notes()).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
    ]);
    const [snap, ...more] = await snapshotsOfRelease(bed.t.db, r.id);
    expect(more).toEqual([]);
    expect(snap).toMatchObject({ serverId: bed.hosts[0]!.server.id, restoredAt: null, deletedAt: null });
    expect(snap!.path).toMatch(/^\/var\/backups\/berth\/snapapp\/1-\d{8}T\d{6}Z\.dump$/);
    expect(snap!.expiresAt.getTime() - snap!.createdAt.getTime()).toBe(7 * 24 * 3600_000);
    expect(snap!.sizeBytes).toBeGreaterThan(100);
    expect(
      (await host1().exec(cmd('stat', '-c', '%U %a %s', '/var/backups/berth', DIR, snap!.path))).stdout
        .split('\n')
        .slice(0, 3)
        .map((l) => l.split(' ').slice(0, 2).join(' ')),
    ).toEqual(['root 700', 'root 700', 'root 600']);
    expect((await host1().exec(cmd('runuser', '-u', SLUG, '--', 'cat', snap!.path), { okExitCodes: [0, 1] })).code).toBe(1);
    expect((await bed.task(r.id, 'snapshot')).summary).toMatch(
      /^app_snapapp: [\d.]+ k?B in \/var\/backups\/berth\/snapapp\/1-.*, kept 7 days$/,
    );
    expect(await bed.task(r.id, 'snapshot', 1)).toMatchObject({ status: 'unchanged', summary: "the database is on the app's data server" });
  });

  it('a migration that fails after changing data is undone: the release fails at hooks, current stays', async () => {
    // Statement by statement: the insert, the drop and the new table are committed before the error.
    bed.repo.commit(
      { 'migrations/002.sql': "INSERT INTO notes VALUES (3, 'three');\nDROP TABLE notes;\nCREATE TABLE intruder (id int);\nSELECT 1/0;\n" },
      'bad migration',
    );
    await bed.configure(bed.migrate('migrations/002.sql'));
    const r = await bed.release();
    expect(r).toMatchObject({ status: 'failed', failedStep: 'hooks' });
    expect(r.error).toContain('database restored from the snapshot');
    expect(r.error).toContain('division by zero');
    expect([await bed.current(0), await bed.current(1)]).toEqual(['releases/1', 'releases/1']);
    // Rows back, the table the migration made gone, and the app's role still owns and reads it.
    expect(await notes()).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
    ]);
    expect(await exists('intruder')).toBe(false);
    expect((await bed.inApp('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 2 }]);
    const [snap] = await snapshotsOfRelease(bed.t.db, r.id);
    expect(snap!.restoredAt).toBeInstanceOf(Date);
    const hooks = await bed.task(r.id, 'hooks');
    expect(hooks.status).toBe('failed');
    expect(hooks.summary).toBe('A migration failed: database restored from the snapshot taken before it.');
    expect(hooks.log).toContain(`restoring ${DB} from ${snap!.path}`);
  });

  it('"restore snapshot" needs the slug typed, then puts back the state of the chosen snapshot', async () => {
    const [first, second] = await bed.t.db.select().from(dbSnapshots).orderBy(dbSnapshots.createdAt);
    const { id: userId } = await insertUser(bed.t.db, { email: 'admin@example.test', name: 'admin', role: 'admin', passwordHash: 'x' });
    const sent: JobPayload[] = [];
    const enqueue = async (p: JobPayload) => {
      sent.push(p);
      return 'job';
    };
    await expect(
      requestSnapshotRestore(bed.t.db, enqueue, { appId: bed.app.id, snapshotId: first!.id, confirm: 'snap', userId }),
    ).rejects.toMatchObject({ fieldErrors: { confirm: ['Type snapapp to confirm'] } });
    expect(sent).toEqual([]);
    const restore = async (snapshotId: string) => {
      const run = await requestSnapshotRestore(bed.t.db, enqueue, { appId: bed.app.id, snapshotId, confirm: ' snapapp ', userId });
      expect(sent.at(-1)).toEqual({ kind: 'snapshot-restore', runId: run.id, snapshotId });
      await runSnapshotRestore(bed.t.db, bed.ring, run.id, snapshotId, new AbortController().signal);
      const done = (await findRun(bed.t.db, run.id))!;
      expect(done.status, done.error ?? '').toBe('succeeded');
    };
    // The first snapshot was taken before notes existed: restoring it removes the table.
    await bed.inApp("INSERT INTO notes VALUES (4, 'four')");
    await restore(first!.id);
    expect(await exists('notes')).toBe(false);
    expect((await findSnapshot(bed.t.db, first!.id))!.restoredAt).toBeInstanceOf(Date);
    await restore(second!.id);
    expect(await notes()).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
    ]);
    // DROP OWNED took nothing configure set up: the database, its owner and who may connect are as they were.
    expect((await bed.configureHost(0)).database).toBe('unchanged');
  });

  it('cleanup on the data server removes expired dumps and unrecorded old ones, and marks the rows', async () => {
    const [first] = await bed.t.db.select().from(dbSnapshots).orderBy(dbSnapshots.createdAt).limit(1);
    await bed.t.db
      .update(dbSnapshots)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(dbSnapshots.id, first!.id));
    const orphan = `${DIR}/0-20200101T000000Z.dump`;
    await host1().exec(cmd('touch', '-d', '9 days ago', orphan));
    bed.repo.commit({ 'migrations/003.sql': 'CREATE TABLE IF NOT EXISTS tags (id int);\n' }, 'tags');
    await bed.configure(bed.migrate('migrations/003.sql'));
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded' });
    expect((await findSnapshot(bed.t.db, first!.id))!.deletedAt).toBeInstanceOf(Date);
    const listed = (await host1().exec(cmd('ls', '-1', DIR))).stdout.split('\n').filter(Boolean);
    expect(listed.map((f) => f.split('-')[0])).toEqual(['2', '3']);
    const cleanup = await bed.task(r.id, 'cleanup');
    expect(cleanup.summary).toMatch(/removed 2 expired snapshot\(s\)$/);
    expect(cleanup.log).toContain(`removed ${orphan}, a snapshot no row recorded`);
  });

  it('a migration that runs past its timeout is killed, and the database is restored from its snapshot', async () => {
    const before = await notes();
    bed.repo.commit({ 'migrations/004.sql': "INSERT INTO notes VALUES (5, 'five');\nSELECT pg_sleep(120);\n" }, 'slow migration');
    const config = bed.migrate('migrations/004.sql');
    await bed.configure({ ...config, release: { ...config.release, buildTimeoutS: 10 } });
    const started = Date.now();
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'hooks' });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.error).toMatch(/timed out|time ?out/i);
    expect(r.error).toContain('database restored from the snapshot');
    // The row the migration committed before it hung is gone again; the hung command is gone from the host.
    expect(await notes()).toEqual(before);
    expect((await host1().exec(cmd('pgrep', '-f', 'migrations/004[.]sql'), { okExitCodes: [0, 1] })).code).toBe(1);
    expect([await bed.current(0), await bed.current(1)]).not.toContain(`releases/${r.number}`);
  });

  it('takes none without a migration hook, or without a Berth-managed database', async () => {
    const config = bed.migrate('none.sql');
    await bed.configure({ ...config, release: { ...config.release, hooks: [{ argv: ['true'], migration: false }] } });
    const plain = await bed.release();
    expect(plain.status).toBe('succeeded');
    expect(await snapshotsOfRelease(bed.t.db, plain.id)).toEqual([]);
    expect(await bed.task(plain.id, 'snapshot')).toMatchObject({ status: 'unchanged', summary: 'no migration hook runs here' });
    await bed.configure({ ...bed.migrate('migrations/003.sql'), dataServices: { postgres: false, redis: false } });
    const without = await bed.release();
    expect(without.status).toBe('succeeded');
    expect(await snapshotsOfRelease(bed.t.db, without.id)).toEqual([]);
    expect(await bed.task(without.id, 'snapshot')).toMatchObject({ status: 'unchanged', summary: 'no Berth-managed database' });
  });

  it('the socket path of a Debian data server (runuser postgres) dumps and restores the same way, run here where the socket is', async () => {
    // The test hosts reach Postgres over TCP; this machine has the socket. Record the scripts, run them here.
    const fake = new RecordingTransport('local');
    const io = { transport: fake, log: () => {}, signal: new AbortController().signal };
    const ctx: ReleaseContext = {
      app: bed.migrate('x.sql'),
      server: { id: bed.hosts[0]!.server.id, name: 'local', address: '127.0.0.1' },
      roles: ['web'],
      number: 99,
      sha: 'x',
      archivePath: '',
      protect: [],
      database: { database: DB, role: DB, expired: [] },
    };
    const runHere = () => execFileSync('sh', ['-s'], { input: fake.commands.at(-1)!, encoding: 'utf8' });
    await snapshot.run(ctx, io);
    expect(fake.commands.at(-1)).toContain("'runuser' '-u' 'postgres' '--' 'pg_dump'");
    runHere();
    expect(execFileSync('stat', ['-c', '%U %a', ctx.snapshot!.path], { encoding: 'utf8' })).toBe('root 600\n');
    await bed.inApp("INSERT INTO notes VALUES (5, 'five')");
    fs.mkdirSync('/var/www/snapapp', { recursive: true }); // the release lock's directory, as on the data server
    try {
      await restoreDatabase(fake, { database: DB, role: DB, slug: SLUG, path: ctx.snapshot!.path }, () => {});
      expect(fake.commands.at(-1)).toMatch(/runuser\W+-u\W+postgres\W+--\W+psql/); // quoted again inside flock's sh -c
      runHere();
    } finally {
      fs.rmSync('/var/www/snapapp', { recursive: true, force: true });
    }
    expect(await notes()).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
    ]);
  });

  it('no stored run, task log or error holds the database password', async () => {
    const stored = JSON.stringify([await bed.t.db.select().from(recipeRuns), await bed.t.db.select().from(taskRuns)]);
    expect(stored).toContain('pg_dump -Fc of app_snapapp');
    expect(stored).not.toContain(bed.password);
  });
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClient, drizzleFor, openClient } from '@/db/client';
import { createTestDb } from '@/test-support/test-db';
import { findTargetByName } from '@/db/queries/backups';
import { putSetting } from '@/db/queries/settings';
import { boot } from '@/lib/boot/boot';
import { generateKeyText, KEY_CHECK_SETTING, makeKeyCheck, parseKeyRing } from '@/lib/crypto';
import { getRuntime } from '@/lib/runtime';
import { scratchDatabase } from '@/scripts/lib/scratch-db.mjs';
import { readSnapshot, runPanelBackup } from './panel-backup';
import { backupKeyCommand, backupPanelCommand, restorePanelCommand } from './panel-command';
import { restorePanel } from './panel-restore';
import { openResticSession } from './panel-restic';
import { openTargetSecrets, saveTarget } from './targets';

/**
 * The panel's own backup against real targets (issue 17 item 7): real restic, real rclone, a
 * real s3rver on loopback, a real Postgres. The embedded panel is booted on disk as in
 * production (master.key generated in its data directory; its database starts as a copy of the
 * migrated test template, since migrating from nothing is boot's own tests' business), backed up
 * from inside the running panel, restored into a fresh data directory, and booted again: with
 * another key it refuses, with the kept key it opens the sealed secrets.
 * An integration file: it runs restic, rclone, s3rver and a real Postgres, which the unit layer
 * (in-memory PGlite, nothing installed beyond node) does not promise.
 */

// Apart from the other backup files' targets (4601…, 4631…, 4651…), which may run beside this one.
const S3_PORT = 4691;
const CANARY = `panel-canary-${Date.now()}`;
const AUTH_SECRET = 'p'.repeat(40);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-panel-test-'));
let s3rver: ChildProcess | undefined;

/**
 * A panel data directory whose database is already migrated (the test template, as createTestDb
 * loads it), with its master.key file beside it as the first boot writes it.
 */
async function migratedDataDir(dataDir: string): Promise<void> {
  const t = await createTestDb();
  if (t.client.kind !== 'pglite') throw new Error('expected the PGlite template (DATABASE_URL is empty here)');
  const blob = await t.client.pglite.dumpDataDir('none');
  await t.close();
  fs.mkdirSync(path.join(dataDir, 'pglite'), { recursive: true, mode: 0o700 });
  const seeded = await PGlite.create(path.join(dataDir, 'pglite'), { loadDataDir: blob });
  await seeded.close();
  fs.writeFileSync(path.join(dataDir, 'master.key'), `${generateKeyText(1)}\n`, { mode: 0o600 });
}

async function waitForPort(port: number, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s.end() && true));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(dir, entry);
    if (fs.statSync(full).isFile() && fs.readFileSync(full).includes(needle)) hits.push(entry);
  }
  return hits;
}

beforeAll(async () => {
  fs.mkdirSync(path.join(tmp, 's3'));
  s3rver = spawn(
    'node_modules/.bin/s3rver',
    ['-d', path.join(tmp, 's3'), '-p', String(S3_PORT), '-a', '127.0.0.1', '--configure-bucket', 'panel-backups'],
    { stdio: 'ignore' },
  );
  await waitForPort(S3_PORT);
});
afterAll(() => {
  if (s3rver?.pid) process.kill(s3rver.pid, 'SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
});

// The cases run side by side: they share nothing but s3rver and the machine (the Postgres case
// reads DATABASE_URL synchronously, within one tick; the embedded case boots from its own env).
describe('the panel backs itself up and restores into a fresh panel', { timeout: 120_000, concurrent: true }, () => {
  it('embedded (PGlite): backed up from the running panel to S3, restored, and only the kept key opens it', async () => {
    const dataDir = path.join(tmp, 'panel');
    const env = { BERTH_DATA_DIR: dataDir, AUTH_SECRET, PORT: '3998' };
    await migratedDataDir(dataDir);
    const panel = await boot(env);
    const keyText = fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim();
    const ring = getRuntime().keyRing;
    const db = drizzleFor(getRuntime().client);
    const s3 = { kind: 's3' as const, endpoint: `http://127.0.0.1:${S3_PORT}`, region: '', bucket: 'panel-backups', accessKeyId: 'S3RVER' };
    const { target } = await saveTarget(db, ring, { name: 'offsite', settings: s3, credential: 'S3RVER' });
    await putSetting(db, 'panel_backup_test_canary', CANARY);
    const repoKey = openTargetSecrets(ring, target).repoKey;

    // Queries keep arriving while the dump runs: they wait, none fails.
    let queries = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        await findTargetByName(db, 'offsite');
        queries++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const first = await runPanelBackup(db, ring, 'offsite').finally(() => {
      stop = true;
    });
    await load;
    await panel.shutdown();
    console.log(
      `panel backup (PGlite): dump ${(first.manifest.bytes / 1e6).toFixed(1)} MB, queries paused ${first.pauseMs} ms, ` +
        `whole run ${first.durationMs} ms (${(first.addedBytes / 1e6).toFixed(1)} MB sent), ${queries} queries alongside`,
    );
    expect(first).toMatchObject({ initialized: true, verified: true, forgotten: 0, manifest: { format: 'pglite-datadir' } });
    expect(queries).toBeGreaterThan(0);

    // Encrypted on the client: neither the canary row nor the master key is readable on the target.
    expect(filesContaining(path.join(tmp, 's3'), CANARY)).toEqual([]);
    expect(fs.readdirSync(path.join(tmp, 's3', 'panel-backups')).join()).toContain('_berth-panel');
    // The snapshot holds the database only: master.key (in the data dir, beside pglite/) is not in it.
    const session = openResticSession(s3, { credential: 'S3RVER', repoKey });
    try {
      const back = await readSnapshot(session, first.snapshotId, path.join(tmp, 'readback'));
      expect(fs.readdirSync(path.dirname(back.file)).sort()).toEqual(['database.tar', 'manifest.json']);
      const entries = execFileSync('tar', ['-tf', back.file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(entries).toContain('PG_VERSION');
      expect(entries).not.toMatch(/master\.key|auth\.secret/);
      expect(filesContaining(path.dirname(back.file), keyText)).toEqual([]);
      expect(filesContaining(path.dirname(back.file), CANARY)).not.toEqual([]); // the proof the search would find it
    } finally {
      session.close();
    }

    // A lost panel: a fresh data directory, the target's settings and secrets, and the kept key.
    const kept = parseKeyRing(keyText);
    const other = parseKeyRing(generateKeyText(1));
    const recovery = { settings: s3, secrets: { credential: 'S3RVER', repoKey } };
    const wrongDir = path.join(tmp, 'wrong');
    await expect(restorePanel({ ...recovery, into: { kind: 'pglite', dataDir: wrongDir }, ring: other })).rejects.toThrow(
      /master key you gave does not open.*Nothing was restored/,
    );
    expect(fs.existsSync(path.join(wrongDir, 'pglite'))).toBe(false);

    const freshDir = path.join(tmp, 'fresh');
    const restored = await restorePanel({ ...recovery, into: { kind: 'pglite', dataDir: freshDir }, ring: kept });
    expect(restored.snapshotId).toBe(first.snapshotId);
    await expect(restorePanel({ ...recovery, into: { kind: 'pglite', dataDir: freshDir }, ring: kept })).rejects.toThrow(
      /already holds a database/,
    );

    // The fresh panel refuses another key, and starts with the kept one: the sealed credential opens.
    await expect(boot({ ...env, BERTH_DATA_DIR: freshDir, BERTH_MASTER_KEY: generateKeyText(1) })).rejects.toThrow(/does not open/);
    const fresh = await boot({ ...env, BERTH_DATA_DIR: freshDir, BERTH_MASTER_KEY: keyText });
    try {
      const again = await findTargetByName(drizzleFor(getRuntime().client), 'offsite');
      expect(openTargetSecrets(getRuntime().keyRing, again!)).toEqual({ credential: 'S3RVER', repoKey });
      expect(() => openTargetSecrets(other, again!)).toThrow();
    } finally {
      await fresh.shutdown();
    }
  });

  it('Postgres: pg_dump to a local restic repository, restored into a new database that opens with the kept key only', async () => {
    const base = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    // A migrated copy of the test template (migrating from nothing costs ~10 s here).
    process.env.DATABASE_URL = base;
    const made = createTestDb();
    process.env.DATABASE_URL = '';
    const source = await made;
    const into = await scratchDatabase(base, 'berth_pb');
    const wrong = await scratchDatabase(base, 'berth_pb');
    try {
      const db = source.db;
      const ring = parseKeyRing(generateKeyText(1));
      await putSetting(db, KEY_CHECK_SETTING, makeKeyCheck(ring));
      const settings = { kind: 'local' as const, path: path.join(tmp, 'local-target') };
      const { target } = await saveTarget(db, ring, { name: 'disk', settings });
      const secrets = openTargetSecrets(ring, target);
      const result = await runPanelBackup(db, ring, 'disk');
      expect(result).toMatchObject({ initialized: true, verified: true, manifest: { format: 'pg_dump-custom' } });
      expect(fs.existsSync(path.join(tmp, 'local-target', '_berth-panel', 'config'))).toBe(true);

      await expect(restorePanel({ settings, secrets, into: { kind: 'pglite', dataDir: path.join(tmp, 'x') }, ring })).rejects.toThrow(
        /is a Postgres panel/,
      );
      await expect(
        restorePanel({ settings, secrets, into: { kind: 'postgres', databaseUrl: wrong.url }, ring: parseKeyRing(generateKeyText(1)) }),
      ).rejects.toThrow(/does not open/);
      await restorePanel({ settings, secrets, into: { kind: 'postgres', databaseUrl: into.url }, ring });
      await expect(restorePanel({ settings, secrets, into: { kind: 'postgres', databaseUrl: into.url }, ring })).rejects.toThrow(
        /not empty/,
      );
      const restored = await openClient({ databaseUrl: into.url });
      try {
        const again = await findTargetByName(drizzleFor(restored), 'disk');
        expect(openTargetSecrets(ring, again!)).toEqual(secrets);
      } finally {
        await closeClient(restored);
      }
    } finally {
      await source.close();
      await into.drop();
      await wrong.drop();
    }
  });

  it('the local commands refuse a running embedded panel and a restore without the kept key', async () => {
    const dataDir = path.join(tmp, 'running');
    fs.mkdirSync(path.join(dataDir, 'pglite'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'berth.lock'), `${process.ppid}\n`); // a live process plays the panel
    const env = { BERTH_DATA_DIR: dataDir, DATABASE_URL: '' };
    await expect(backupPanelCommand(env, 'offsite')).rejects.toThrow(/panel is running.*backs itself up on its schedule/);
    await expect(backupKeyCommand(env, 'offsite')).rejects.toThrow(/panel is running.*Stop the panel/);
    const sheet = path.join(tmp, 'sheet.json');
    fs.writeFileSync(sheet, JSON.stringify({ target: 'disk', settings: { kind: 'local', path: '/x' }, repoKey: 'k' }));
    await expect(restorePanelCommand({ BERTH_DATA_DIR: path.join(tmp, 'new') }, { sheetFile: sheet })).rejects.toThrow(
      /Put the kept master key in .*master\.key/,
    );
    expect(fs.existsSync(path.join(tmp, 'new', 'master.key'))).toBe(false); // never generated here
  });
});

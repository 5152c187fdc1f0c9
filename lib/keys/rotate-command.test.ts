import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzleFor } from '@/db/client';
import { findServerByName } from '@/db/queries/servers';
import { getSetting } from '@/db/queries/settings';
import { freshPostgresDatabase } from '@/test-support/test-db';
import { boot } from '@/lib/boot/boot';
import { KEY_CHECK_SETTING, generateKeyText, parseKeyRing } from '@/lib/crypto';
import { getRuntime } from '@/lib/runtime';
import { createServer } from '@/lib/servers/create';
import { openPrivateKey } from '@/lib/servers/keys';
import { RotateCommandError, rotateMasterKey } from './rotate-command';

/**
 * The operator's flow end to end, through the panel's own start-up: a panel on v1, rotate-key,
 * v1 removed from the ring, and the panel starts again with only v2 (its key check passes and
 * the secrets open), while a v1-only ring is refused.
 */
const pgBase = process.env.DATABASE_URL;
let dataDir: string;
let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
const v1 = generateKeyText(1);
const v2 = generateKeyText(2);
const keyFile = () => path.join(dataDir, 'master.key');

/** The environment on this backend; embedded mode reads data/master.key unless a ring is given. */
function env(ring?: string): Record<string, string | undefined> {
  const base = { BERTH_DATA_DIR: dataDir, PORT: '3998' };
  if (pg) return { ...base, DATABASE_URL: pg.url, BERTH_MASTER_KEY: ring ?? v1, AUTH_SECRET: 'a'.repeat(40) };
  return ring ? { ...base, BERTH_MASTER_KEY: ring } : base;
}

async function rotate(source: Record<string, string | undefined>, opts = {}) {
  const lines: string[] = [];
  const report = await rotateMasterKey(source, opts, (line) => lines.push(line));
  return { report, output: lines.join('\n') };
}

/** Boots the panel, returns the server's private key as the panel opens it, and shuts down. */
async function bootAndOpen(source: Record<string, string | undefined>): Promise<{ privateKey: string; keyCheck: string | undefined }> {
  const booted = await boot(source);
  try {
    const { client, keyRing } = getRuntime();
    const db = drizzleFor(client);
    const server = (await findServerByName(db, 'web-1'))!;
    return { privateKey: openPrivateKey(keyRing, server.id, server.privateKeySealed!), keyCheck: await getSetting(db, KEY_CHECK_SETTING) };
  } finally {
    await booted.shutdown();
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rotate-'));
  if (pgBase) pg = await freshPostgresDatabase(pgBase);
});
afterAll(async () => {
  await pg?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Each test boots the whole panel (and on PGlite, an on-disk database) two or three times.
describe('npm run rotate-key', { timeout: 120_000 }, () => {
  it.skipIf(pgBase)('refuses a data directory without a database, and invents no key there', async () => {
    await expect(rotate(env())).rejects.toThrow(/There is no embedded database in .*: nothing to rotate/);
    expect(fs.existsSync(keyFile())).toBe(false);
  });

  let privateKey: string;
  let oldRing = v1; // embedded: the panel generates its own v1 in master.key
  it('reseals the secrets of a panel that ran on v1', async () => {
    const booted = await boot(env());
    const { client, keyRing } = getRuntime();
    const server = await createServer(drizzleFor(client), keyRing, {
      name: 'web-1',
      host: '127.0.0.1',
      port: 22,
      username: 'root',
      bindAddress: null,
    });
    privateKey = openPrivateKey(keyRing, server.id, server.privateKeySealed!);
    await booted.shutdown();
    if (!pg) oldRing = fs.readFileSync(keyFile(), 'utf8').trim();

    let source: Record<string, string | undefined>;
    let result: Awaited<ReturnType<typeof rotate>>;
    if (pg) {
      await expect(rotate(env(v1), { newKey: true })).rejects.toThrow(RotateCommandError);
      await expect(rotate(env(v1), { newKey: true })).rejects.toThrow(
        /here the key ring comes from BERTH_MASTER_KEY\. Edit BERTH_MASTER_KEY yourself \(append ",v2:\$\(openssl rand -base64 32\)"\)/,
      );
      source = env(`${v1},${v2}`);
      result = await rotate(source);
    } else {
      source = env();
      result = await rotate(source, { newKey: true });
      expect(result.report.added).toBe(2);
      expect(parseKeyRing(fs.readFileSync(keyFile(), 'utf8')).keys.size).toBe(2);
      expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
      expect(result.output).toContain(`Added key v2 to ${keyFile()}.`);
    }
    const { report, output } = result;
    expect(report.current).toBe(2);
    expect(report.counts).toContainEqual({ table: 'servers', column: 'private_key_sealed', resealed: 1, alreadyCurrent: 0 });
    expect(report.counts).toContainEqual({ table: 'settings', column: 'value', resealed: 1, alreadyCurrent: 0 });
    expect(report.stillUsed).toEqual([]);
    expect(report.removable).toEqual([1]);
    expect(output).toMatch(/^Resealed 2 values with key v2, in one transaction:$/m);
    expect(output).toMatch(/^ {2}servers\.private_key_sealed +1 resealed +0 already current$/m);
    expect(output).toContain('Key v1 is no longer used: you can remove it from');
    const keyTexts = [oldRing, v2, fs.existsSync(keyFile()) ? fs.readFileSync(keyFile(), 'utf8') : '']
      .flatMap((t) => t.split(/[,:\s]/))
      .filter((p) => p.length > 20);
    for (const key of keyTexts) expect(output).not.toContain(key);
    expect(output).not.toContain(privateKey.split('\n')[1]);

    const again = await rotate(source);
    expect(again.output).toContain('Nothing to reseal: every value is already sealed with key v2.');
    expect(again.report.counts.every((c) => c.resealed === 0)).toBe(true);
  });

  it.skipIf(pgBase)('says to stop the panel first while it holds the embedded database', async () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(path.join(dataDir, 'berth.lock'), `${sleeper.pid}\n`);
      await expect(rotate(env())).rejects.toThrow(`Stop the panel first: it is running (pid ${sleeper.pid}) on ${dataDir}`);
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.once('exit', r));
    }
  });

  it.skipIf(pgBase)('--drop-old removes the versions nothing uses from master.key', async () => {
    const { report, output } = await rotate(env(), { dropOld: true });
    expect(report.dropped).toEqual([1]);
    expect(output).toContain(`Removed v1 from ${keyFile()}; it is now in ${report.retiredFile} (mode 0600).`);
    const ring = parseKeyRing(fs.readFileSync(keyFile(), 'utf8'));
    expect([...ring.keys.keys()]).toEqual([2]);
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    // The old key is moved aside for the old backups, not destroyed.
    expect(report.retiredFile).toMatch(/master\.key\.removed-\d{8}T\d{6}Z$/);
    expect(parseKeyRing(fs.readFileSync(report.retiredFile!, 'utf8'))).toEqual(parseKeyRing(oldRing));
    expect(fs.statSync(report.retiredFile!).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('the panel then starts with only v2, and refuses the old v1 ring', async () => {
    const v2Ring = pg ? v2 : undefined; // embedded: master.key now holds v2 only
    const opened = await bootAndOpen(env(v2Ring));
    expect(opened.privateKey).toBe(privateKey);
    expect(opened.keyCheck).toMatch(/^berth:v1:2:/);
    await expect(boot(env(oldRing))).rejects.toThrow(/does not open this database's data: wrong key\? \(key check was sealed with key v2/);
  });
});

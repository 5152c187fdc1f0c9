import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drizzleFor } from '@/db/client';
import { getSetting } from '@/db/queries/settings';
import { listUsers, insertUser } from '@/db/queries/users';
import { freshPostgresDatabase } from '@/test-support/test-db';
import { generateKeyText } from '@/lib/crypto';
import { getRuntime } from '@/lib/runtime';
import { boot } from './boot';

const pgBase = process.env.DATABASE_URL;
let dataDir: string;
let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
let sleeper: ChildProcess | undefined;
const keys = { BERTH_MASTER_KEY: generateKeyText(1), AUTH_SECRET: 'a'.repeat(40) };

/** The environment of one panel start on this backend; PGlite generates its own keys. */
function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const base: Record<string, string | undefined> = { BERTH_DATA_DIR: dataDir, PORT: '3999' };
  return pg ? { ...base, DATABASE_URL: pg.url, ...keys, ...extra } : { ...base, ...extra };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-boot-'));
  if (pgBase) pg = await freshPostgresDatabase(pgBase);
});
afterAll(async () => {
  await pg?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  sleeper?.kill();
  sleeper = undefined;
});

// Each test boots the whole panel, some on an empty on-disk database.
describe('boot', { timeout: 90_000 }, () => {
  it('first start: migrates, seals a key check, prints a setup URL, and frees the directory on shutdown', async () => {
    const booted = await boot(env());
    // Logs lose query parameters from boot on (lib/log/scrub.ts): the console is the scrubbed one.
    expect((console as unknown as Record<symbol, unknown>)[Symbol.for('berth.log.scrubbed')]).toBe(true);
    expect(booted.setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:3999\/setup\?token=[A-Za-z0-9_-]{43}$/);
    expect(fs.readFileSync(path.join(dataDir, 'setup-url'), 'utf8').trim()).toBe(booted.setupUrl);
    const db = drizzleFor(getRuntime().client);
    expect(await getSetting(db, 'master_key_check')).toMatch(/^berth:v1:1:/);
    if (!pg) {
      for (const file of ['master.key', 'auth.secret', 'setup-url']) {
        expect(fs.statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
      }
      expect(booted.warnings.join('\n')).toMatch(/BERTH_MASTER_KEY was not set: generated/);
    }
    await insertUser(db, { email: 'owner@example.test', name: 'O', role: 'owner', passwordHash: 'x' });
    await booted.shutdown();
    expect(fs.existsSync(path.join(dataDir, 'berth.lock'))).toBe(false);
    expect(() => getRuntime()).toThrow(/has not booted/);
  });

  it('a second start keeps the keys and data, and issues no setup URL once an owner exists', async () => {
    const booted = await boot(env());
    expect(booted.setupUrl).toBeNull();
    expect(booted.warnings).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'setup-url'))).toBe(false);
    expect(await listUsers(drizzleFor(getRuntime().client))).toHaveLength(1);
    await booted.shutdown();
  });

  it.skipIf(pgBase)('refuses a data directory held by another live process', async () => {
    sleeper = spawn('sleep', ['30']);
    fs.writeFileSync(path.join(dataDir, 'berth.lock'), `${sleeper.pid}\n`);
    await expect(boot(env())).rejects.toThrow(`Another Berth process (pid ${sleeper.pid}) is using the data directory`);
    expect(fs.readFileSync(path.join(dataDir, 'berth.lock'), 'utf8').trim()).toBe(String(sleeper.pid));
    sleeper.kill();
    await new Promise((r) => sleeper!.once('exit', r));
    // Its holder is gone now: the stale lock is taken over.
    const booted = await boot(env());
    await booted.shutdown();
  });

  it('refuses a corrupted master key, says why, and changes nothing', async () => {
    const corrupt = 'v1:not-base64-at-all!!';
    const keyFile = path.join(dataDir, 'master.key');
    const original = pg ? undefined : fs.readFileSync(keyFile, 'utf8');
    if (!pg) fs.writeFileSync(keyFile, corrupt);
    const attempt = boot(env(pg ? { BERTH_MASTER_KEY: corrupt } : {}));
    await expect(attempt).rejects.toThrow(/The master key is unusable: BERTH_MASTER_KEY entry 1/);
    expect(fs.existsSync(path.join(dataDir, 'berth.lock'))).toBe(false);
    if (!pg) {
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(corrupt);
      fs.writeFileSync(keyFile, original!);
    }
  });

  it('refuses a well-formed but wrong master key before touching the database', async () => {
    const keyFile = path.join(dataDir, 'master.key');
    const original = pg ? undefined : fs.readFileSync(keyFile, 'utf8');
    if (!pg) fs.writeFileSync(keyFile, generateKeyText(1));
    await expect(boot(env(pg ? { BERTH_MASTER_KEY: generateKeyText(1) } : {}))).rejects.toThrow(
      /does not open this database's data: wrong key\?/,
    );
    if (!pg) fs.writeFileSync(keyFile, original!);
    const booted = await boot(env());
    expect(await listUsers(drizzleFor(getRuntime().client))).toHaveLength(1);
    await booted.shutdown();
  });

  it.skipIf(pgBase)('refuses to invent a new key beside an existing database', async () => {
    const keyFile = path.join(dataDir, 'master.key');
    const original = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    await expect(boot(env())).rejects.toThrow(/master\.key is missing but .* already holds a database/);
    expect(fs.existsSync(keyFile)).toBe(false);
    fs.writeFileSync(keyFile, original, { mode: 0o600 });
  });

  it('has no fallback secrets: a short AUTH_SECRET or an external database without keys is refused', async () => {
    await expect(boot(env({ AUTH_SECRET: 'short' }))).rejects.toThrow(/AUTH_SECRET must be at least 32 characters/);
    const external = { BERTH_DATA_DIR: dataDir, DATABASE_URL: 'postgres://127.0.0.1:1/none' };
    await expect(boot(external)).rejects.toThrow(/BERTH_MASTER_KEY is required when DATABASE_URL is set/);
    await expect(boot({ ...external, BERTH_MASTER_KEY: keys.BERTH_MASTER_KEY })).rejects.toThrow(
      /AUTH_SECRET is required when DATABASE_URL is set/,
    );
  });

  it('rejects malformed settings with every problem listed', async () => {
    await expect(boot({ BERTH_DATA_DIR: dataDir, PORT: 'eighty', DATABASE_URL: 'mysql://x' })).rejects.toThrow(
      /Invalid configuration:\n {2}DATABASE_URL: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/\n {2}PORT: /,
    );
  });
});

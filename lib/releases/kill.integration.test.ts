import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClient, drizzleFor, migrateClient, openClient, type Db, type DbClient } from '@/db/client';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { findRelease, insertRelease, interruptStaleReleases, runsOfRelease } from '@/db/queries/releases';
import { createRun, findRun, interruptStaleRuns, tasksOf } from '@/db/queries/runs';
import type { App } from '@/db/schema';
import { freshPostgresDatabase } from '@/test-support/test-db';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runRecipe } from '@/lib/jobs/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { runRelease } from './release-job';

// kill -9 of the process running a release, mid-build, on both test hosts. The release runs in a
// child process sharing a real Postgres database with this test (PGlite cannot be shared).
const BASE_URL = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const keyText = generateKeyText(1);
const ring = parseKeyRing(keyText);
const repo = fixtureRepo('php-app');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-kill-'));
let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let client: DbClient;
let db: Db;
let app: App;
let config: AppConfig;
const hosts: Transport[] = [];
const current = (t: Transport) => t.exec(cmd('readlink', '/var/www/killapp/current')).then((r) => r.stdout.trim());

async function release() {
  const row = await insertRelease(db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
  return row;
}

function runInChild(releaseId: string): ChildProcess {
  return spawn(process.execPath, ['scripts/run-ts.mjs', 'scripts/run-release.ts', releaseId, dataDir], {
    env: { ...process.env, DATABASE_URL: database.url, BERTH_KEY_RING: keyText },
    stdio: 'ignore',
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  database = await freshPostgresDatabase(BASE_URL);
  client = await openClient({ databaseUrl: database.url });
  await migrateClient(client);
  db = drizzleFor(client);
  const servers = [];
  for (const [host, name] of [
    ['berth-host-1', 'kill-1'],
    ['berth-host-2', 'kill-2'],
  ] as const) {
    const pinned = await pinnedTestServer(db, ring, host, name);
    hosts.push(pinned.transport);
    servers.push(pinned.server);
  }
  config = appConfigInput.parse({ slug: 'killapp', kind: 'php', domains: ['killapp.test'], repository: repo.dir });
  app = await insertApp(
    db,
    { slug: 'killapp', name: 'Kill', config },
    servers.map((s) => ({ serverId: s.id, roles: ['web', 'worker'] })),
  );
  for (const [i, s] of servers.entries()) {
    const run = await createRun(db, { serverId: s.id, recipe: 'configure' });
    const ctx = {
      app: config,
      server: { id: s.id, name: s.name, bindAddress: s.bindAddress, phpVersions: s.phpVersions },
      roles: ['web', 'worker'] as ('web' | 'worker')[],
      reload: new Set<never>(),
    };
    expect(await runRecipe(db, run.id, configureRecipe, ctx, hosts[i]!, new AbortController().signal)).toEqual({ ok: true });
  }
  // Release 1 completes normally: it is what `current` must still point to after the kill.
  const first = await release();
  await runRelease(db, ring, first.id, new AbortController().signal, dataDir);
  expect((await findRelease(db, first.id))!.status).toBe('succeeded');
}, 120_000);

afterAll(async () => {
  for (const t of hosts) {
    await t.exec(ignoreFailure(cmd('pkill', '-f', 'slee[p] 7[.]5')));
    await t.exec(
      cmd('rm', '-rf', '/etc/nginx/sites-enabled/berth-killapp.conf', '/etc/php/8.2/fpm/pool.d/berth-killapp.conf', '/var/www/killapp'),
    );
    await t.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
  }
  await closeAll();
  await closeClient(client);
  await database.drop();
  repo.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 of the panel mid-release', () => {
  it('leaves current on a complete release everywhere, frees the lock once marked interrupted, and the orphaned step blocks the next release until it ends', async () => {
    repo.commit({ 'public/extra.txt': 'two\n' }, 'second');
    await updateAppConfig(db, app.id, { ...config, release: { ...config.release, buildCommands: [['sleep', '7.5']] } });
    const second = await release();
    const child = runInChild(second.id);
    // Both servers are in the build step (the sleep runs there) when the process dies.
    await until('the build step on both servers', async () => {
      const runs = await runsOfRelease(db, second.id);
      if (runs.length !== 2) return false;
      const tasks = await Promise.all(runs.map((r) => tasksOf(db, r.id)));
      return tasks.every((ts) => ts.find((x) => x.name === 'build')?.status === 'running');
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    for (const t of hosts) {
      expect(await current(t)).toBe('releases/1');
      expect((await t.exec(cmd('cat', '/var/www/killapp/releases/1/REVISION'))).stdout.trim()).toMatch(/^[0-9a-f]{40}$/);
    }
    expect((await findRelease(db, second.id))!.status).toBe('running');

    // What the surviving panels' tick does once heartbeats are stale (time moved forward here).
    const later = new Date(Date.now() + 120_000);
    await interruptStaleRuns(db, later, false);
    expect(await interruptStaleReleases(db, later)).toBe(1);
    expect((await findRelease(db, second.id))!.status).toBe('interrupted');
    const runs = await runsOfRelease(db, second.id);
    expect((await Promise.all(runs.map((r) => findRun(db, r.id)))).map((r) => [r!.status, r!.failedTask])).toEqual([
      ['interrupted', 'build'],
      ['interrupted', 'build'],
    ]);

    // The lock is free, but the orphaned `sleep` still holds the remote flock: refused with a reason.
    const third = await release();
    await runRelease(db, ring, third.id, new AbortController().signal, dataDir);
    expect(await findRelease(db, third.id)).toMatchObject({ status: 'failed', failedStep: 'prepare' });
    expect((await findRelease(db, third.id))!.error).toMatch(/A step of an earlier release is still running on kill-\d/);
    for (const t of hosts) expect(await current(t)).toBe('releases/1');

    // Once the orphan ends, the next release goes through.
    await until(
      'the orphaned step to end',
      async () =>
        (await Promise.all(hosts.map((t) => t.exec(cmd('pgrep', '-f', 'slee[p] 7[.]5'), { okExitCodes: [0, 1] })))).every(
          (r) => r.code === 1,
        ),
      20_000,
    );
    const fourth = await release();
    await runRelease(db, ring, fourth.id, new AbortController().signal, dataDir);
    expect(await findRelease(db, fourth.id)).toMatchObject({ status: 'succeeded' });
    for (const t of hosts) expect(await current(t)).toBe(`releases/${(await findRelease(db, fourth.id))!.number}`);
  }, 120_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { createRun } from '@/db/queries/runs';
import { findRelease, insertRelease } from '@/db/queries/releases';
import type { App, Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/db/test-db';
import { fixtureRepo } from '@/e2e/fixtures/git-repo';
import { getWithHost } from '@/e2e/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/apps/config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { pinnedTestServer } from '@/lib/recipes/configure/testbed-server';
import { runRecipe } from '@/lib/recipes/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { isUniqueViolation } from '@/lib/servers/requests';
import { runRelease } from './release-job';

// Releases on both test hosts from a fixture repository made at test time, through real nginx and PHP-FPM.
let t: TestDb;
let app: App;
let config: AppConfig;
let firstId: string;
let firstSha: string;
const ring = parseKeyRing(generateKeyText(1));
const repo = fixtureRepo('php-app');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-release-data-'));
const hosts: { server: Server; transport: Transport; address: string }[] = [];

const current = (h: (typeof hosts)[number]) => h.transport.exec(cmd('readlink', '/var/www/relapp/current')).then((r) => r.stdout.trim());
const served = (h: (typeof hosts)[number]) => getWithHost(h.address, 'relapp.test').then((r) => r.body);

async function release(ref: string, kind: 'deploy' | 'rollback' = 'deploy', targetId?: string) {
  const row = await insertRelease(t.db, { appId: app.id, kind, ref, trigger: kind === 'deploy' ? 'button' : 'rollback', targetId });
  await runRelease(t.db, ring, row.id, new AbortController().signal, dataDir);
  return (await findRelease(t.db, row.id))!;
}

beforeAll(async () => {
  t = await createTestDb();
  for (const [host, name] of [['berth-host-1', 'rel-1'], ['berth-host-2', 'rel-2']] as const) {
    const { server, transport } = await pinnedTestServer(t.db, ring, host, name);
    hosts.push({ server, transport, address: server.bindAddress! });
  }
  config = appConfigInput.parse({
    slug: 'relapp', kind: 'php', domains: ['relapp.test'], repository: repo.dir, branch: 'main',
    sharedPaths: ['storage', '.env'], writablePaths: ['bootstrap/cache'], healthCheck: { path: '/health.php' },
    release: { buildCommands: [['touch', 'built.txt']] },
  });
  app = await insertApp(t.db, { slug: 'relapp', name: 'Rel', config }, hosts.map((h) => ({ serverId: h.server.id, roles: ['web', 'worker'] })));
  for (const h of hosts) {
    const run = await createRun(t.db, { serverId: h.server.id, recipe: 'configure' });
    const ctx = { app: config, server: { id: h.server.id, name: h.server.name, bindAddress: h.server.bindAddress, phpVersions: h.server.phpVersions }, roles: ['web', 'worker'] as ('web' | 'worker')[], reload: new Set<never>() };
    expect(await runRecipe(t.db, run.id, configureRecipe, ctx, h.transport, new AbortController().signal)).toEqual({ ok: true });
  }
});

afterAll(async () => {
  for (const h of hosts) {
    await h.transport.exec(cmd('rm', '-rf', '/etc/nginx/sites-enabled/berth-relapp.conf', '/etc/php/8.2/fpm/pool.d/berth-relapp.conf', '/var/www/relapp'));
    await h.transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
  }
  await closeAll();
  await t.close();
  repo.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('releases across two servers', () => {
  it('deploys a commit to both servers: extracted, shared paths linked, built, switched, healthy', async () => {
    const first = await release('main');
    firstId = first.id;
    firstSha = first.sha!;
    expect(first).toMatchObject({ status: 'succeeded', number: 1, sha: repo.head(), subject: 'initial' });
    for (const h of hosts) {
      expect(await current(h)).toBe('releases/1');
      await expect.poll(() => served(h)).toContain(`fixture release ${repo.head()}`);
      expect((await h.transport.exec(cmd('readlink', '/var/www/relapp/releases/1/storage'))).stdout.trim()).toBe('../../shared/storage');
      expect((await h.transport.exec(cmd('stat', '-c', '%U %F', '/var/www/relapp/shared/.env', '/var/www/relapp/releases/1/built.txt'))).stdout).toBe('relapp regular empty file\nrelapp regular empty file\n');
    }
  });

  it('switches to a new commit, and rolls back to the first in one step, marking the second bad', async () => {
    const second = repo.commit({ 'public/extra.txt': 'two\n' }, 'second');
    const two = await release('main');
    expect(two).toMatchObject({ status: 'succeeded', number: 2, sha: second });
    for (const h of hosts) await expect.poll(() => served(h)).toContain(`fixture release ${second}`);

    const back = await release('releases/1', 'rollback', firstId);
    expect(back).toMatchObject({ status: 'succeeded', kind: 'rollback', sha: firstSha });
    for (const h of hosts) {
      expect(await current(h)).toBe('releases/1');
      await expect.poll(() => served(h)).toContain(`fixture release ${firstSha}`);
    }
    expect((await findRelease(t.db, two.id))!.bad).toBe(true);
    // Forward again for the tests below.
    expect(await release('main')).toMatchObject({ status: 'succeeded', number: 3 });
  });

  it('refuses an unknown branch and a failing build without touching current', async () => {
    const unknown = await release('no-such-branch');
    expect(unknown).toMatchObject({ status: 'failed', failedStep: 'fetch', error: 'Unknown branch or sha: no-such-branch' });
    await updateAppConfig(t.db, app.id, { ...config, release: { ...config.release, buildCommands: [['sh', '-c', 'echo compile error >&2; exit 2']] } });
    const broken = await release('main');
    expect(broken).toMatchObject({ status: 'failed', failedStep: 'build' });
    expect(broken.error).toContain('compile error');
    for (const h of hosts) expect(await current(h)).toBe('releases/3');
    await updateAppConfig(t.db, app.id, config);
  });

  it('rolls back by itself when the new release fails its health check', async () => {
    const before = repo.head();
    repo.commit({ 'public/health.php': '<?php http_response_code(500); echo "down";\n' }, 'broken health');
    const bad = await release('main');
    expect(bad).toMatchObject({ status: 'rolled_back', bad: true, failedStep: 'health-check' });
    expect(bad.error).toMatch(/Health check failed on rel-\d: relapp\.test\/health\.php gave status 500, expected 200/);
    expect(bad.error).toContain('Rolled back to releases/');
    for (const h of hosts) {
      expect(await current(h)).not.toBe(`releases/${bad.number}`);
      await expect.poll(() => served(h)).toContain(`fixture release ${before}`);
    }
  });

  it('takes the app lock on insert: a second release while one is queued is refused', async () => {
    const held = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    const second = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' }).catch((err) => err);
    expect(isUniqueViolation(second)).toBe(true);
    await runRelease(t.db, ring, held.id, new AbortController().signal, dataDir);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, tasksOf } from '@/db/queries/runs';
import { findServer, updateServer } from '@/db/queries/servers';
import { createTestDb, type TestDb } from '@/db/test-db';
import { authorizeKey, getWithHost, testHost } from '@/e2e/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/apps/config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { createServer } from '@/lib/servers/create';
import { transportFor } from '@/lib/servers/remote';
import { runRecipe } from '../runner';
import { configureRecipe, type AppRole } from './index';

// Configure real apps on a real test host (scripts/testbed), then look at what nginx serves.
let t: TestDb;
let transport: Transport;
let serverId: string;
const ring = parseKeyRing(generateKeyText(1));

const alpha: AppConfig = appConfigInput.parse({
  slug: 'alpha', kind: 'php', domains: ['alpha.test'], scheduler: true,
  workers: [{ name: 'default', argv: ['sleep', '1000'], processes: 1 }],
});
const beta: AppConfig = appConfigInput.parse({ slug: 'beta', kind: 'static', domains: ['beta.test'] });

async function configure(app: AppConfig) {
  const server = (await findServer(t.db, serverId))!;
  const run = await createRun(t.db, { serverId, recipe: 'configure' });
  const ctx = { app, server: { id: server.id, name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions }, roles: ['web', 'worker'] as const satisfies AppRole[], facts: server.facts ?? undefined, reload: new Set<never>() };
  const result = await runRecipe(t.db, run.id, configureRecipe, ctx, transport, new AbortController().signal);
  const tasks = Object.fromEntries((await tasksOf(t.db, run.id)).map((x) => [x.name, x.status]));
  return { result, tasks };
}

beforeAll(async () => {
  t = await createTestDb();
  const host = testHost('berth-host-1');
  const server = await createServer(t.db, ring, { name: 'apps-test', host: host.address, port: host.port, username: 'root', bindAddress: host.address });
  authorizeKey(host.name, server.publicKey);
  await updateServer(t.db, server.id, { hostKeyFingerprint: host.hostKeyFingerprint, facts: { os: 'debian', osVersion: '12', init: 'none', cpus: 1, memoryMb: 1, diskGb: 1 } });
  serverId = server.id;
  transport = await transportFor((await findServer(t.db, serverId))!, ring);
});

afterAll(async () => {
  if (transport) {
    for (const slug of ['alpha', 'beta']) {
      await transport.exec(cmd('rm', '-rf', `/etc/nginx/sites-enabled/berth-${slug}.conf`, `/etc/php/8.2/fpm/pool.d/berth-${slug}.conf`, `/etc/supervisor/conf.d/berth-${slug}.conf`, `/etc/cron.d/berth-${slug}`));
    }
    await transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
  }
  await closeAll();
  await t.close();
});

describe('configure on a real server', () => {
  it('isolates two apps under their own users and serves each placeholder on its domain', async () => {
    expect((await configure(alpha)).result).toEqual({ ok: true });
    expect((await configure(beta)).result).toEqual({ ok: true });
    const host = testHost('berth-host-1');
    await new Promise((r) => setTimeout(r, 300));
    expect((await getWithHost(host.address, 'alpha.test')).body).toContain('alpha is configured by Berth');
    expect((await getWithHost(host.address, 'beta.test')).body).toContain('beta is configured by Berth');

    const status = (await transport.exec(cmd('supervisorctl', 'status', 'berth-alpha:*'), { okExitCodes: [0, 3] })).stdout;
    expect(status).toMatch(/RUNNING/);
    const worker = (await transport.exec(cmd('ps', '-C', 'sleep', '-o', 'user=,args='))).stdout;
    expect(worker).toMatch(/^alpha\s+sleep 1000$/m);
    expect((await transport.exec(cmd('cat', '/etc/cron.d/berth-alpha'))).stdout).toContain("* * * * * alpha 'cd' '/var/www/alpha/current' && { 'php8.2' 'artisan' 'schedule:run'");
  });

  it("keeps one app's files, .env included, from another app's user", async () => {
    await transport.upload('APP_KEY=base64:alpha-secret\n', '/var/www/alpha/shared/.env', { mode: 0o640, owner: 'alpha', group: 'alpha' });
    const asBeta = await transport.exec(cmd('runuser', '-u', 'beta', '--', 'cat', '/var/www/alpha/shared/.env'), { okExitCodes: [0, 1] });
    expect(asBeta.code).toBe(1);
    expect(asBeta.stderr).toMatch(/Permission denied/);
    const listing = await transport.exec(cmd('runuser', '-u', 'beta', '--', 'ls', '/var/www/alpha'), { okExitCodes: [0, 2] });
    expect(listing.code).toBe(2);
    const asAlpha = await transport.exec(cmd('runuser', '-u', 'alpha', '--', 'cat', '/var/www/alpha/shared/.env'));
    expect(asAlpha.stdout).toBe('APP_KEY=base64:alpha-secret\n');
  });

  it('a second configure changes nothing; a new max_children changes only the pool, without a release', async () => {
    const again = await configure(alpha);
    expect(Object.values(again.tasks).every((s) => s === 'unchanged')).toBe(true);
    const bigger = await configure({ ...alpha, pool: { ...alpha.pool, maxChildren: 7 } });
    expect(bigger.tasks).toMatchObject({ preflight: 'unchanged', 'app-user': 'unchanged', 'app-dirs': 'unchanged', 'fpm-pool': 'changed', vhost: 'unchanged', workers: 'unchanged', scheduler: 'unchanged', services: 'changed' });
    expect((await transport.exec(cmd('cat', '/etc/php/8.2/fpm/pool.d/berth-alpha.conf'))).stdout).toContain('pm.max_children = 7');
    expect((await transport.exec(cmd('readlink', '/var/www/alpha/current'))).stdout.trim()).toBe('releases/0-placeholder');
  });

  it('re-creates a deleted app user whose group was kept', async () => {
    await transport.exec(cmd('userdel', 'beta')); // the group stays: www-data is still in it
    expect((await transport.exec(cmd('getent', 'group', 'beta'), { okExitCodes: [0, 2] })).code).toBe(0);
    const again = await configure(beta);
    expect(again.result).toEqual({ ok: true });
    expect(again.tasks['app-user']).toBe('changed');
    expect((await transport.exec(cmd('id', '-gn', 'beta'))).stdout.trim()).toBe('beta');
  });

  it('refuses a PHP version the server lacks, and writes nothing', async () => {
    const result = await configure({ ...alpha, slug: 'gamma', domains: ['gamma.test'], phpVersion: '7.4' });
    expect(result.result).toMatchObject({ ok: false, failedTask: 'preflight' });
    expect(result.result.ok === false && result.result.error).toMatch(/PHP 7\.4 is not set up on apps-test/);
    expect((await transport.exec(cmd('id', '-u', 'gamma'), { okExitCodes: [0, 1] })).code).toBe(1);
    expect((await transport.exec(cmd('test', '-e', '/var/www/gamma'), { okExitCodes: [0, 1] })).code).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { testbedServer } from '@/test-support/testbed-server';

// Configure real apps on a real test host (scripts/testbed), then look at what nginx serves.
let bed: Awaited<ReturnType<typeof testbedServer>>;
let transport: Transport;

const alpha: AppConfig = appConfigInput.parse({
  slug: 'alpha',
  kind: 'php',
  domains: ['alpha.test'],
  scheduler: true,
  workers: [{ name: 'default', argv: ['sleep', '1000'], processes: 1 }],
});
const beta: AppConfig = appConfigInput.parse({ slug: 'beta', kind: 'static', domains: ['beta.test'] });
const configure = (app: AppConfig) => bed.configure(app);

beforeAll(async () => {
  bed = await testbedServer();
  transport = bed.transport;
});

afterAll(async () => bed && (await bed.cleanup(['alpha', 'beta'])));

describe('configure on a real server', () => {
  it('isolates two apps under their own users and serves each placeholder on its domain', async () => {
    expect((await configure(alpha)).result).toEqual({ ok: true });
    expect((await configure(beta)).result).toEqual({ ok: true });
    const host = testHost('berth-host-1');
    await new Promise((r) => setTimeout(r, 300));
    expect((await getWithHost(host.address, 'alpha.test')).body).toContain('alpha is configured by Berth');
    expect((await getWithHost(host.address, 'beta.test')).body).toContain('beta is configured by Berth');

    // supervisor reports STARTING for startsecs (1 s) before RUNNING.
    const status = async () => (await transport.exec(cmd('supervisorctl', 'status', 'berth-alpha:*'), { okExitCodes: [0, 3] })).stdout;
    await expect.poll(status, { timeout: 5000 }).toMatch(/RUNNING/);
    const worker = (await transport.exec(cmd('ps', '-C', 'sleep', '-o', 'user=,args='))).stdout;
    expect(worker).toMatch(/^alpha\s+sleep 1000$/m);
    expect((await transport.exec(cmd('cat', '/etc/cron.d/berth-alpha'))).stdout).toContain(
      "* * * * * alpha 'cd' '/var/www/alpha/current' && { 'php8.2' 'artisan' 'schedule:run'",
    );
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
    expect(bigger.tasks).toMatchObject({
      preflight: 'unchanged',
      'app-user': 'unchanged',
      'app-dirs': 'unchanged',
      'fpm-pool': 'changed',
      vhost: 'unchanged',
      workers: 'unchanged',
      scheduler: 'unchanged',
      services: 'changed',
    });
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

  it('refuses a slug naming a user or a group Berth did not make, and leaves both alone', async () => {
    await transport.exec(cmd('useradd', '--create-home', '--shell', '/bin/bash', 'opsuser'));
    await transport.exec(cmd('groupadd', 'teamgrp'));
    await transport.exec(cmd('usermod', '-aG', 'teamgrp', 'opsuser'));
    try {
      const user = await configure({ ...alpha, slug: 'opsuser', domains: ['opsuser.test'] });
      expect(user.result).toMatchObject({ ok: false, failedTask: 'app-user' });
      expect(user.result.ok === false && user.result.error).toMatch(
        /A user named opsuser already exists on apps-test and Berth did not make it/,
      );
      const group = await configure({ ...alpha, slug: 'teamgrp', domains: ['teamgrp.test'] });
      expect(group.result).toMatchObject({ ok: false, failedTask: 'app-user' });
      expect(group.result.ok === false && group.result.error).toMatch(
        /A group named teamgrp already exists on apps-test with other members/,
      );
      expect((await transport.exec(cmd('id', '-u', 'teamgrp'), { okExitCodes: [0, 1] })).code).toBe(1);
      expect((await transport.exec(cmd('getent', 'passwd', 'opsuser'))).stdout).toContain('/home/opsuser:/bin/bash');
      expect((await transport.exec(cmd('id', '-nG', 'www-data'))).stdout).not.toMatch(/opsuser|teamgrp/);
    } finally {
      await transport.exec(cmd('userdel', '-r', 'opsuser'), { okExitCodes: [0, 6, 12] });
      await transport.exec(cmd('groupdel', 'teamgrp'), { okExitCodes: [0, 6] });
    }
  });

  it('refuses a PHP version the server lacks, and writes nothing', async () => {
    const result = await configure({ ...alpha, slug: 'gamma', domains: ['gamma.test'], phpVersion: '7.4' });
    expect(result.result).toMatchObject({ ok: false, failedTask: 'preflight' });
    expect(result.result.ok === false && result.result.error).toMatch(/PHP 7\.4 is not set up on apps-test/);
    expect((await transport.exec(cmd('id', '-u', 'gamma'), { okExitCodes: [0, 1] })).code).toBe(1);
    expect((await transport.exec(cmd('test', '-e', '/var/www/gamma'), { okExitCodes: [0, 1] })).code).toBe(1);
  });
});

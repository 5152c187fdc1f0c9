import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { cmd } from '@/lib/remote/command';
import { testbedServer } from '@/test-support/testbed-server';

// Roles and process limits on a real test host: which files each role gets, and a memory cap that bites.
let bed: Awaited<ReturnType<typeof testbedServer>>;
const exists = async (path: string) => (await bed.transport.exec(cmd('test', '-e', path), { okExitCodes: [0, 1] })).code === 0;
const status = async (group: string) =>
  (await bed.transport.exec(cmd('supervisorctl', 'status', `${group}:*`), { okExitCodes: [0, 3, 4] })).stdout;

const roled = appConfigInput.parse({
  slug: 'roled',
  kind: 'php',
  domains: ['roled.test'],
  scheduler: true,
  workers: [{ name: 'default', argv: ['sleep', '1001'], processes: 1 }],
});

beforeAll(async () => {
  bed = await testbedServer();
});
afterAll(async () => bed && (await bed.cleanup(['roled', 'capped'])));

describe('roles on a server', () => {
  it('gives a web-only server the vhost and pool, and moves workers and cron on and off with the worker role', async () => {
    const web = await bed.configure(roled, ['web']);
    expect(web.result).toEqual({ ok: true });
    expect(await exists('/etc/nginx/sites-enabled/berth-roled.conf')).toBe(true);
    expect(await exists('/etc/supervisor/conf.d/berth-roled.conf')).toBe(false);
    expect(await exists('/etc/cron.d/berth-roled')).toBe(false);

    expect((await bed.configure(roled, ['web', 'worker'])).tasks).toMatchObject({
      workers: 'changed',
      scheduler: 'changed',
      vhost: 'unchanged',
    });
    await expect.poll(() => status('berth-roled'), { timeout: 5000 }).toMatch(/RUNNING/);

    const back = await bed.configure(roled, ['web']);
    expect(back.tasks).toMatchObject({ workers: 'changed', scheduler: 'changed' });
    expect(await exists('/etc/supervisor/conf.d/berth-roled.conf')).toBe(false);
    expect(await status('berth-roled')).toMatch(/no such group|ERROR/i);
    expect((await bed.transport.exec(cmd('pgrep', '-f', 'sleep 1001'), { okExitCodes: [0, 1] })).code).toBe(1);

    const workerOnly = await bed.configure(roled, ['worker']);
    expect(workerOnly.tasks).toMatchObject({ 'fpm-pool': 'changed', vhost: 'changed', workers: 'changed' });
    expect(await exists('/etc/nginx/sites-enabled/berth-roled.conf')).toBe(false);
    expect(await exists('/etc/php/8.2/fpm/pool.d/berth-roled.conf')).toBe(false);
  });
});

describe("a process app's memory limit", () => {
  // Holds N MB, then idles: under a 64 MB cap, 128 MB fails with MemoryError; 16 MB runs.
  const hold = (mb: number) => ['python3', '-c', 'import sys, time; b = bytearray(int(sys.argv[1]) << 20); time.sleep(1000)', String(mb)];
  const capped = (mb: number) =>
    appConfigInput.parse({
      slug: 'capped',
      kind: 'process',
      domains: ['capped.test'],
      port: 9377,
      processArgv: hold(mb),
      memoryLimitMb: 64,
      restart: 'never',
    });

  it('stops a process that grows past it, and lets one under it run', async () => {
    expect((await bed.configure(capped(128), ['web'])).result).toEqual({ ok: true });
    // The live slot (a, on 9377) runs it; the idle slot b waits for a release.
    await expect.poll(() => status('berth-capped_web-a'), { timeout: 8000 }).toMatch(/EXITED|FATAL|BACKOFF/);
    expect(await status('berth-capped_web-b')).toMatch(/STOPPED/);
    const log = (await bed.transport.exec(cmd('tail', '-n', '5', '/var/log/berth/capped/berth-capped_web-a.log'))).stdout;
    expect(log).toContain('MemoryError');

    expect((await bed.configure(capped(16), ['web'])).tasks).toMatchObject({ workers: 'changed' });
    await expect.poll(() => status('berth-capped_web-a'), { timeout: 8000 }).toMatch(/RUNNING/);
  });
});

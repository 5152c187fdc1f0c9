import { afterAll, describe, expect, it } from 'vitest';
import { getWithHost } from '@/test-support/testbed-hosts';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import { testHost, testTarget } from '@/test-support/test-hosts';
import { SshTransport } from '@/lib/remote/transport';
import { renderPool } from './fpm-pool';
import { renderVhost } from './nginx-vhost';
import { renderWorkers } from './supervisor-program';

// The rendered files, validated and run by the real nginx, PHP-FPM and supervisord of a test host.
const host = () => testHost('berth-host-1');
let transport: SshTransport | undefined;
const t = () => (transport ??= new SshTransport(testTarget(host())));
const FILES = [
  '/etc/nginx/sites-enabled/berth-tpl.conf',
  '/etc/php/8.2/fpm/pool.d/berth-tpl.conf',
  '/etc/supervisor/conf.d/berth-tpl.conf',
];

async function reloadFpm() {
  const pid = (await t().exec(cmd('cat', '/run/php/php8.2-fpm.pid'))).stdout.trim();
  await t().exec(cmd('kill', '-USR2', pid));
  await new Promise((r) => setTimeout(r, 500));
}

afterAll(async () => {
  if (transport) {
    await t().exec(cmd('rm', '-f', ...FILES));
    await t().exec(and(cmd('nginx', '-s', 'reload'), ignoreFailure(cmd('supervisorctl', 'update'))));
    await reloadFpm();
  }
  await closeAll();
});

describe('templates on a real server', () => {
  it('a PHP vhost and its pool pass nginx -t and php-fpm -t, and serve PHP through $realpath_root', async () => {
    const pool = renderPool({
      slug: 'berth-tpl',
      user: 'www-data',
      group: 'www-data',
      socket: '/run/php/berth-tpl.sock',
      listenGroup: 'www-data',
      pm: 'ondemand',
      maxChildren: 2,
      startServers: 1,
      minSpareServers: 1,
      maxSpareServers: 1,
      maxRequests: 100,
      memoryLimitMb: 64,
      requestTerminateTimeoutS: 30,
      uploadMaxMb: 8,
      slowlogThresholdS: 5,
      slowlogPath: '/var/log/berth-tpl-slow.log',
      statusPath: '/berth-fpm-status',
    });
    await t().upload(pool, FILES[1]!, { mode: 0o644 });
    await t().exec(cmd('php-fpm8.2', '-t'));
    await reloadFpm();

    await t().exec(
      and(cmd('mkdir', '-p', '/var/www/berth-tpl/releases/1/public'), cmd('ln', '-sfn', 'releases/1', '/var/www/berth-tpl/current')),
    );
    await t().upload(
      '<?php echo "release ", basename(dirname(__DIR__)), " ", $_SERVER["DOCUMENT_ROOT"];',
      '/var/www/berth-tpl/releases/1/public/index.php',
      { mode: 0o644 },
    );
    const vhost = renderVhost({
      slug: 'berth-tpl',
      domains: ['tpl.test'],
      bindAddress: host().address,
      root: '/var/www/berth-tpl/current/public',
      upstream: { kind: 'php', fpmSocket: '/run/php/berth-tpl.sock' },
      clientMaxBodyMb: 8,
      fpmStatusPath: '/berth-fpm-status',
      acmeWebroot: '/var/www/berth-tpl/acme',
    });
    await t().upload(vhost, FILES[0]!, { mode: 0o644 });
    await t().exec(cmd('nginx', '-t', '-q'));
    await t().exec(cmd('nginx', '-s', 'reload'));
    await new Promise((r) => setTimeout(r, 300));
    const res = await getWithHost(host().address, 'tpl.test');
    expect(res.status).toBe(200);
    expect(res.body).toBe('release 1 /var/www/berth-tpl/releases/1/public');
  });

  it('a worker program passes supervisorctl reread and runs as its user', async () => {
    const text = renderWorkers('tpl', [
      {
        slug: 'tpl',
        name: 'sleeper',
        argv: ['sleep', '1000'],
        user: 'www-data',
        directory: '/tmp',
        processes: 2,
        stopWaitSeconds: 2,
        logDir: '/var/log',
      },
    ]);
    await t().upload(text, FILES[2]!, { mode: 0o644 });
    expect((await t().exec(cmd('supervisorctl', 'reread'))).stdout).toContain('berth-tpl: available');
    await t().exec(cmd('supervisorctl', 'update'));
    await new Promise((r) => setTimeout(r, 1500));
    const status = (await t().exec(cmd('supervisorctl', 'status', 'berth-tpl:*'), { okExitCodes: [0, 3] })).stdout;
    expect(status).toMatch(/berth-tpl:berth-tpl_sleeper_00\s+RUNNING/);
    expect(status).toMatch(/berth-tpl:berth-tpl_sleeper_01\s+RUNNING/);
    const owners = (await t().exec(cmd('ps', '-C', 'sleep', '-o', 'user=,args='))).stdout;
    expect(owners).toMatch(/www-data\s+sleep 1000/);
  });
});

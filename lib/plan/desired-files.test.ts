import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import type { AppRole, ServerPlanInput } from './server-input';
import { planAppOnServer } from '.';

const desiredFiles = (input: ServerPlanInput) => planAppOnServer(input).files;

const WEB1 = '11111111-1111-4111-8111-111111111111';
const WORK2 = '22222222-2222-4222-8222-222222222222';

function ctx(config: Record<string, unknown>, roles: AppRole[], serverId = WEB1): ServerPlanInput {
  return {
    app: appConfigInput.parse(config),
    server: { id: serverId, name: 's', bindAddress: null, phpVersions: ['8.2'] },
    roles,
  };
}

describe('config files per role', () => {
  const php = {
    slug: 'shop',
    kind: 'php',
    domains: ['shop.test'],
    scheduler: true,
    workers: [
      { name: 'default', argv: ['php', 'artisan', 'queue:work'], processes: 1 },
      { name: 'mail', argv: ['php', 'artisan', 'queue:work'], processes: 1, serverIds: [WORK2] },
    ],
  };

  it('puts the pool and vhost on web servers, workers and cron on worker servers', () => {
    const web = desiredFiles(ctx(php, ['web']));
    expect(web.map((f) => f.content !== null)).toEqual([true, true, false, false, false, false]);
    const worker = desiredFiles(ctx(php, ['worker'], WORK2));
    expect(worker.map((f) => f.content !== null)).toEqual([false, false, true, true, false, false]);
    expect(worker[2]!.content).toContain('[program:berth-shop_mail]');
    // A worker pinned to another server stays off this one.
    const both = desiredFiles(ctx(php, ['web', 'worker']));
    expect(both[2]!.content).toContain('[program:berth-shop_default]');
    expect(both[2]!.content).not.toContain('berth-shop_mail');
  });

  it("runs a process app's command on web servers in two slots, capped and with its restart policy", () => {
    const api = {
      slug: 'api',
      kind: 'process',
      domains: ['api.test'],
      port: 9301,
      processArgv: ['node', 'server.js'],
      memoryLimitMb: 256,
      restart: 'on-failure',
    };
    const [, vhost, workers, , live, slots] = desiredFiles(ctx(api, ['web']));
    expect(vhost!.content).toContain('    location / {\n        include /etc/nginx/berth-live/api.conf;\n');
    expect(live).toMatchObject({
      path: '/etc/nginx/berth-live/api.conf',
      content: expect.stringContaining('# live slot: a\nproxy_pass http://127.0.0.1:9301;\n'),
    });
    expect(workers!.content).toBeNull();
    expect(slots!.path).toBe('/etc/supervisor/conf.d/berth-api_web.conf');
    expect(slots!.content).toContain(`command='prlimit' '--data=${256 * 1024 * 1024}' '--' 'node' 'server.js'`);
    expect(slots!.content).toContain('autorestart=unexpected');
    // Each slot its own group (no [group:]), its own port and release link; only the live one autostarts.
    expect(slots!.content).not.toContain('[group:');
    expect(slots!.content).toMatch(
      /\[program:berth-api_web-a\]\n[^[]*directory=\/var\/www\/api\/web-a\n[^[]*environment=PORT="9301",HOST="127.0.0.1"\nautostart=true\n/,
    );
    expect(slots!.content).toMatch(
      /\[program:berth-api_web-b\]\n[^[]*directory=\/var\/www\/api\/web-b\n[^[]*environment=PORT="9302",HOST="127.0.0.1"\nautostart=false\n/,
    );
    expect(desiredFiles(ctx(api, ['worker'])).every((f) => f.content === null)).toBe(true);
  });

  it('keeps whatever slot is live, and listens on a loopback bind address (servers sharing one machine)', () => {
    const api = { slug: 'api', kind: 'process', domains: ['api.test'], port: 9301, processArgv: ['node', 'server.js'] };
    const c = { ...ctx(api, ['web']), liveSlot: 'b' as const };
    c.server.bindAddress = '127.0.0.11';
    const [, , , , live, slots] = desiredFiles(c);
    expect(live!.content).toContain('# live slot: b\nproxy_pass http://127.0.0.11:9302;\n');
    expect(slots!.content).toContain('environment=PORT="9302",HOST="127.0.0.11"\nautostart=true\n');
    expect(slots!.content).toContain('environment=PORT="9301",HOST="127.0.0.11"\nautostart=false\n');
    c.server.bindAddress = '203.0.113.10';
    expect(desiredFiles(c)[4]!.content).toContain('proxy_pass http://127.0.0.1:9302;');
  });

  it('removes the pool from every other PHP version the server has (a version change leaves no second pool)', () => {
    const c = ctx({ ...php, phpVersion: '8.3' }, ['web']);
    c.server.phpVersions = ['8.2', '8.3'];
    const pools = desiredFiles(c).filter((f) => f.path.includes('/fpm/pool.d/'));
    expect(pools.map((f) => [f.path, f.content === null])).toEqual([
      ['/etc/php/8.3/fpm/pool.d/berth-shop.conf', false],
      ['/etc/php/8.2/fpm/pool.d/berth-shop.conf', true],
    ]);
  });

  it('places a custom snippet inside the server block', () => {
    const [, vhost] = desiredFiles(
      ctx({ slug: 'site', kind: 'static', domains: ['site.test'], nginxSnippet: 'add_header X-One 1;\nlocation /x {\n  return 204;\n}' }, [
        'web',
      ]),
    );
    expect(vhost!.content).toMatch(/server \{[\s\S]*add_header X-One 1;\n {4}location \/x \{\n {6}return 204;\n {4}\}[\s\S]*\n\}/);
  });
});

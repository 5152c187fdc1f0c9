import { describe, expect, it } from 'vitest';
import { cronScheduleProblem } from '@/lib/model/cron-schedule';
import { laravelScheduler, renderCron } from './cron';
import { HEADER, TemplateValueError } from './directive';
import { poolProblems } from '@/lib/model/fpm-pool';
import { renderPool, type PoolConfig } from './fpm-pool';
import { renderLiveUpstream, renderVhost, type VhostConfig } from './nginx-vhost';
import { renderPrograms, renderWorkers } from './supervisor-program';

const vhost: VhostConfig = {
  slug: 'shop',
  domains: ['shop.example.com', 'www.shop.example.com'],
  bindAddress: '203.0.113.10',
  root: '/var/www/shop/current/public',
  upstream: { kind: 'php', fpmSocket: '/run/php/berth-shop.sock' },
  clientMaxBodyMb: 64,
  fpmStatusPath: '/berth-fpm-status',
  acmeWebroot: '/var/www/shop/shared/acme',
};

const pool: PoolConfig = {
  slug: 'shop',
  user: 'shop',
  group: 'shop',
  socket: '/run/php/berth-shop.sock',
  listenGroup: 'www-data',
  pm: 'dynamic',
  maxChildren: 10,
  startServers: 2,
  minSpareServers: 1,
  maxSpareServers: 3,
  maxRequests: 500,
  memoryLimitMb: 256,
  requestTerminateTimeoutS: 60,
  uploadMaxMb: 64,
  slowlogThresholdS: 5,
  slowlogPath: '/var/log/berth/shop-fpm-slow.log',
  statusPath: '/berth-fpm-status',
};

describe('nginx vhost', () => {
  it('renders a PHP app with realpath_root, a local-only FPM status page and ACME', () => {
    expect(renderVhost(vhost)).toMatchSnapshot();
  });

  it('renders HTTPS with a redirect, a process app behind a socket or port, and all-address listens', () => {
    expect(renderVhost({ ...vhost, tls: { certificate: '/etc/berth/tls/shop.crt', key: '/etc/berth/tls/shop.key' } })).toMatchSnapshot();
    expect(renderVhost({ ...vhost, bindAddress: null, upstream: { kind: 'process', socket: '/run/berth/api.sock' } })).toContain(
      'proxy_pass http://unix:/run/berth/api.sock:;',
    );
    const byPort = renderVhost({ ...vhost, upstream: { kind: 'process', port: 8080 } });
    expect(byPort).toContain('proxy_pass http://127.0.0.1:8080;');
    expect(byPort).not.toContain('fastcgi_pass');
    expect(renderVhost({ ...vhost, upstream: { kind: 'process', include: '/etc/nginx/berth-live/shop.conf' } })).toContain(
      '    location / {\n        include /etc/nginx/berth-live/shop.conf;\n        proxy_http_version 1.1;',
    );
    expect(renderLiveUpstream({ slot: 'b', address: '127.0.0.1', port: 9302 })).toBe(
      `# ${HEADER}\n# live slot: b\nproxy_pass http://127.0.0.1:9302;\n`,
    );
    expect(() => renderLiveUpstream({ slot: 'a', address: '127.0.0.1;x', port: 1 })).toThrow(TemplateValueError);
    expect(renderVhost({ ...vhost, bindAddress: null })).toContain('    listen 80;\n    listen [::]:80;');
  });

  it('refuses values that could break out of a directive', () => {
    for (const domain of ['evil.com; include /etc/passwd', 'a.com\nserver {', 'a.com}', "a'b.com"]) {
      expect(() => renderVhost({ ...vhost, domains: [domain] })).toThrow(TemplateValueError);
    }
    expect(() => renderVhost({ ...vhost, root: '/var/www/x; root /' })).toThrow(/root has characters/);
  });
});

describe('PHP-FPM pool', () => {
  it('renders the per-app socket, user, limits and slowlog', () => {
    expect(renderPool(pool)).toMatchSnapshot();
    expect(renderPool({ ...pool, pm: 'static' })).not.toContain('pm.start_servers');
  });

  it('reports every pm inconsistency, and refuses max_children of 0', () => {
    expect(poolProblems({ ...pool, maxChildren: 0, minSpareServers: 4, maxSpareServers: 3, startServers: 9 })).toEqual([
      'max_children must be at least 1',
      'max_spare_servers must be ≥ min_spare_servers',
      'start_servers must lie between min_spare_servers and max_spare_servers',
      'max_spare_servers must be ≤ max_children',
    ]);
    expect(() => renderPool({ ...pool, maxChildren: 0 })).toThrow(/max_children must be at least 1/);
  });
});

describe('supervisor workers and cron', () => {
  it('quotes worker commands the way supervisord splits them, escaping %', () => {
    const text = renderWorkers('shop', [
      {
        slug: 'shop',
        name: 'default',
        argv: ['php8.2', 'artisan', 'queue:work', '--sleep=3', '--name=50%'],
        user: 'shop',
        directory: '/var/www/shop/current',
        processes: 2,
        stopWaitSeconds: 60,
        logDir: '/var/log/berth',
      },
    ]);
    expect(text).toMatchSnapshot();
    expect(() =>
      renderWorkers('shop', [
        { slug: 'shop', name: 'x', argv: ['php', 'a\nb'], user: 'shop', directory: '/d', processes: 1, stopWaitSeconds: 1, logDir: '/l' },
      ]),
    ).toThrow(/line breaks/);
    const slot = {
      slug: 'shop',
      name: 'web-b',
      argv: ['node', 's.js'],
      user: 'shop',
      directory: '/d',
      processes: 1,
      stopWaitSeconds: 1,
      logDir: '/l',
    };
    expect(renderPrograms('shop', [{ ...slot, environment: { PORT: '9302' }, autostart: false }])[0]).toContain(
      'user=shop\nenvironment=PORT="9302"\nautostart=false\n',
    );
    expect(() => renderPrograms('shop', [{ ...slot, environment: { PORT: '1",X="2' } }])).toThrow(TemplateValueError);
  });

  it('renders cron lines that run as the app user, with % escaped and schedules checked', () => {
    const text = renderCron({
      slug: 'shop',
      user: 'shop',
      directory: '/var/www/shop/current',
      entries: [laravelScheduler('8.2'), { schedule: '0 3 * * 1', argv: ['php8.2', 'artisan', 'report', '--at=100%'] }],
    });
    expect(text).toMatchSnapshot();
    expect(cronScheduleProblem('* * * *')).toMatch(/five fields/);
    expect(cronScheduleProblem('61 * * * *')).toMatch(/out of range/);
    expect(cronScheduleProblem('*/5 * * * *')).toBeNull();
  });
});

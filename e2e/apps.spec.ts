import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { createApp, openApp, runIdOn, waitForAppRun } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';
import { getWithHost, hostPath, testHost } from '@/test-support/testbed-hosts';
import { httpsGet, pebbleRoot, startPebble } from '@/test-support/tls-fixtures';

// Runs after the servers spec (project "apps" depends on "panel"): web-1 and web-2 are provisioned.
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

// The machine's own Postgres and Redis stand in for the servers' (see the data services test).
const psql = (sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-tAc', sql], { encoding: 'utf8' }).trim();
const redisCli = (...args: string[]) => execFileSync('redis-cli', ['-h', '127.0.0.1', ...args], { encoding: 'utf8' }).trim();
test.afterAll(() => {
  psql('DROP DATABASE IF EXISTS app_api');
  psql('DROP ROLE IF EXISTS app_api');
  redisCli('ACL', 'DELUSER', 'berth-api');
});

test('apps: bad input is refused in the form, with every error at once', async ({ page }) => {
  await signInPage(page, OWNER);
  const form = await createApp(page, { name: 'Bad', slug: 'Bad;rm', kind: 'php', domains: 'shop.test; include /etc', maxChildren: '0' });
  await expect(form.getByText('A slug is a lowercase letter')).toBeVisible();
  await expect(form.getByText('Enter a domain name such as shop.example.com')).toBeVisible();
  await expect(form.getByText('max_children must be at least 1')).toBeVisible();
  await createApp(page, { name: 'Old', slug: 'old', kind: 'php', domains: 'old.test', phpVersion: '7.4' });
  await expect(form.getByText('web-1 has PHP 8.2')).toBeVisible();
  await page.goto('/apps');
  await expect(page.getByText('No apps yet')).toBeVisible();
});

test('apps: a PHP app and a process app are configured on web-1 and served on their domains; max_children applies without a release', async ({
  page,
}) => {
  const host = testHost('berth-host-1');
  await signInPage(page, OWNER);
  await createApp(page, { name: 'Shop', slug: 'shop', kind: 'php', domains: 'shop.test', maxChildren: '5' });
  await expect(page.getByRole('heading', { name: 'Shop' })).toBeVisible();
  const first = await waitForAppRun(page, 'web-1', null);
  expect((await getWithHost(host.address, 'shop.test')).body).toContain('shop is configured by Berth');

  // web-1's bind address is on loopback, so its process apps listen there (HOST), not on 127.0.0.1.
  await createApp(page, {
    name: 'Api',
    slug: 'api',
    kind: 'process',
    domains: 'api.test',
    port: '9301',
    command: `python3 -m http.server 9301 --bind ${host.address}`,
  });
  await expect(page.getByRole('heading', { name: 'Api' })).toBeVisible();
  await waitForAppRun(page, 'web-1', null);
  await expect
    .poll(async () => (await getWithHost(host.address, 'api.test').catch(() => ({ body: '' }))).body, { timeout: 15_000 })
    .toContain('api is configured by Berth');

  await openApp(page, 'Shop', 'Settings');
  const pool = page.getByRole('form', { name: 'PHP-FPM pool' });
  await pool.getByLabel('max_children').fill('9');
  await pool.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', first);
  await expect(page.getByTestId('task-fpm-pool')).toHaveAttribute('data-status', 'changed');
  await expect(page.getByTestId('task-vhost')).toHaveAttribute('data-status', 'unchanged');
  expect(fs.readFileSync(hostPath('berth-host-1', 'etc', 'php/8.2/fpm/pool.d/berth-shop.conf'), 'utf8')).toContain('pm.max_children = 9');
  expect(fs.readlinkSync(hostPath('berth-host-1', 'www', 'shop/current'))).toBe('releases/0-placeholder');

  // Drift on the server shows as a pending change, with the diff; configuring again removes it.
  const poolPath = hostPath('berth-host-1', 'etc', 'php/8.2/fpm/pool.d/berth-shop.conf');
  fs.writeFileSync(poolPath, fs.readFileSync(poolPath, 'utf8').replace('pm.max_children = 9', 'pm.max_children = 40'));
  const pending = page.getByTestId('pending-web-1');
  await page.getByRole('form', { name: 'Check pending changes' }).getByRole('button').click();
  const poolFile = pending.locator('[data-testid="pending-file"][data-status="update"]');
  await expect(poolFile).toHaveAttribute('data-path', '/etc/php/8.2/fpm/pool.d/berth-shop.conf');
  await expect(poolFile.getByTestId('pending-diff')).toContainText('-pm.max_children = 40');
  await expect(poolFile.getByTestId('pending-diff')).toContainText('+pm.max_children = 9');
  await expect(pending.locator('[data-testid="pending-file"][data-status="update"]')).toHaveCount(1);
  const drifted = await runIdOn(page, 'web-1');
  await page.getByRole('form', { name: 'Configure' }).getByRole('button').click();
  await waitForAppRun(page, 'web-1', drifted);
  await page.getByRole('form', { name: 'Check pending changes' }).getByRole('button').click();
  await expect(pending).toContainText('No pending changes');
});

test('apps: workers, cron and roles set in the browser land on the right servers', async ({ page }) => {
  await signInPage(page, OWNER);
  await openApp(page, 'Shop', 'Settings');
  const settings = page.getByRole('form', { name: 'App settings' });
  await settings.getByLabel('Queue workers').fill('default 1 sleep 600\nBad! 1 sleep 1');
  await settings.getByLabel('Cron lines').fill('*/5 * * * * php8.2 artisan inspire\n0 0 L * * true');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await expect(settings.getByText('Line 2: A worker name is lowercase letters')).toBeVisible();
  await expect(settings.getByText("Line 2: day of month: `L` (last day) is not supported by Debian's cron")).toBeVisible();

  const previous = await runIdOn(page, 'web-1');
  await settings.getByLabel('Queue workers').fill('default 1 sleep 600');
  await settings.getByLabel('Cron lines').fill('*/5 * * * * php8.2 artisan inspire');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', previous);
  expect(fs.readFileSync(hostPath('berth-host-1', 'etc', 'supervisor/conf.d/berth-shop.conf'), 'utf8')).toContain(
    '[program:berth-shop_default]',
  );
  expect(fs.readFileSync(hostPath('berth-host-1', 'etc', 'cron.d/berth-shop'), 'utf8')).toContain("'artisan' 'inspire'");

  // web-2 joins as a worker only: it gets the workers, not the vhost or the pool.
  const placement = page.getByRole('form', { name: 'Servers and roles' });
  await placement.getByLabel('Roles on web-2').selectOption('worker');
  await placement.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-2', null);
  expect(fs.readFileSync(hostPath('berth-host-2', 'etc', 'supervisor/conf.d/berth-shop.conf'), 'utf8')).toContain(
    '[program:berth-shop_default]',
  );
  expect(fs.existsSync(hostPath('berth-host-2', 'etc', 'nginx/sites-enabled/berth-shop.conf'))).toBe(false);
  expect(fs.existsSync(hostPath('berth-host-2', 'etc', 'php/8.2/fpm/pool.d/berth-shop.conf'))).toBe(false);
});

test('apps: a broken nginx snippet is refused by nginx -t and the old config keeps serving', async ({ page }) => {
  const host = testHost('berth-host-1');
  await signInPage(page, OWNER);
  await openApp(page, 'Shop', 'Settings');
  const vhostPath = hostPath('berth-host-1', 'etc', 'nginx/sites-enabled/berth-shop.conf');
  const before = fs.readFileSync(vhostPath, 'utf8');
  expect((await getWithHost(host.address, 'shop.test')).status).toBe(200);

  const settings = page.getByRole('form', { name: 'App settings' });
  const previous = await runIdOn(page, 'web-1');
  await settings.getByLabel('Custom nginx directives').fill('this_is_not_a_directive on;');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', previous, 'failed');
  await expect(page.getByTestId('app-server-web-1')).toContainText('unknown directive "this_is_not_a_directive"');
  await expect(page.getByTestId('app-server-web-1').getByTestId('task-vhost')).toHaveAttribute('data-status', 'failed');
  expect(fs.readFileSync(vhostPath, 'utf8')).toBe(before);
  const after = await getWithHost(host.address, 'shop.test');
  expect(after.status).toBe(200);
  expect(after.body).toContain('shop is configured by Berth');

  // A valid snippet goes live.
  const failed = await runIdOn(page, 'web-1');
  await settings.getByLabel('Custom nginx directives').fill('add_header X-Berth-Snippet yes always;');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', failed);
  await expect.poll(async () => (await getWithHost(host.address, 'shop.test')).headers['x-berth-snippet'], { timeout: 10_000 }).toBe('yes');
});

test('apps: a Postgres database and a Redis user for a one-server app, credentials sealed and never shown', async ({ page }) => {
  await signInPage(page, OWNER);
  // Shop runs on two servers: its credentials would point at 127.0.0.1 on the wrong one, so it is refused.
  await openApp(page, 'Shop', 'Settings');
  const shopSettings = page.getByRole('form', { name: 'App settings' });
  await shopSettings.getByLabel('Postgres database and role for this app').check();
  await shopSettings.getByRole('button', { name: 'Save and apply' }).click();
  await expect(shopSettings.getByText('Turn data services off, or keep the app on one server')).toBeVisible();

  await openApp(page, 'Api', 'Settings');
  await expect(page.getByTestId('data-services-off')).toBeAttached();
  const settings = page.getByRole('form', { name: 'App settings' });
  const previous = await runIdOn(page, 'web-1');
  await settings.getByLabel('Postgres database and role for this app').check();
  await settings.getByLabel('Redis user limited to this app’s key prefix').check();
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', previous);
  await expect(page.getByTestId('app-server-web-1').getByTestId('task-database')).toHaveAttribute('data-status', 'changed');

  const managed = page.getByTestId('managed-env');
  await expect(managed).toContainText('DB_PASSWORD');
  await expect(managed).toContainText('REDIS_PASSWORD');
  expect(psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app_api'")).toBe('app_api');
  expect(psql("SELECT has_database_privilege('public', 'app_api', 'CONNECT')")).toBe('f');
  expect(redisCli('ACL', 'GETUSER', 'berth-api')).toContain('~api:*');
});

test('apps: TLS from an ACME CA (Pebble) serves HTTPS, and the certificate shows with its expiry', async ({ page }) => {
  const pebble = startPebble();
  const host = testHost('berth-host-1');
  // Pebble keeps accounts in memory: an account certbot registered with an earlier Pebble is gone.
  fs.rmSync(hostPath('berth-host-1', 'etc', `letsencrypt/accounts/${new URL(pebble.directory).host}`), { recursive: true, force: true });
  await signInPage(page, OWNER);
  await openApp(page, 'Shop', 'Settings');
  const settings = page.getByRole('form', { name: 'App settings' });
  await settings.getByLabel('TLS').selectOption('acme');
  await settings.getByLabel('ACME account email').fill('ops@shop.test');
  const previous = await runIdOn(page, 'web-1');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', previous);
  await expect(page.getByTestId('app-server-web-1').getByTestId('task-tls')).toHaveAttribute('data-status', 'changed');

  const root = await pebbleRoot(pebble);
  await expect
    .poll(async () => (await httpsGet(host.address, 'shop.test', root).catch((e: Error) => ({ status: 0, body: e.message }))).status, {
      timeout: 10_000,
    })
    .toBe(200);
  const served = await httpsGet(host.address, 'shop.test', root);
  expect(served.body).toContain('shop is configured by Berth');
  expect(served.cert.issuer.CN).toMatch(/Pebble/);
  expect((await getWithHost(host.address, 'shop.test')).status).toBe(301);
  await expect(page.getByTestId('tls-certificate').first()).toContainText(/days left/);
});

import fs from 'node:fs';
import { expect, test, type Page, type Request } from '@playwright/test';
import { OWNER, signInPage } from './fixtures';
import { authorizeKey, dropSessions, getWithHost, hostPath, rekeyHost, testHost } from '@/test-support/testbed-hosts';

test.describe.configure({ mode: 'serial' });
// The first provisioning may install packages with apt.
test.setTimeout(600_000);

async function addServer(
  page: Page,
  fields: { name: string; host: string; username?: string; bindAddress?: string; port?: string; privateKey?: string },
) {
  await page.goto('/servers/new');
  const form = page.getByRole('form', { name: 'Add a server' });
  await form.getByLabel('Name').fill(fields.name);
  await form.getByLabel('Host').fill(fields.host);
  await form.getByLabel('SSH port').fill(fields.port ?? '22');
  await form.getByLabel('SSH user').fill(fields.username ?? 'root');
  await form.getByLabel('Address nginx binds to').fill(fields.bindAddress ?? '');
  if (fields.privateKey !== undefined) {
    await form.getByLabel('Paste an existing private key').check();
    await form.getByLabel(/Private key/).fill(fields.privateKey);
  }
  await form.getByRole('button', { name: 'Add server' }).click();
}

async function testConnection(page: Page) {
  await page.getByRole('form', { name: 'Test connection' }).getByRole('button').click();
  await expect(page.getByTestId('probe-result')).toBeVisible({ timeout: 30_000 });
}

/**
 * Starts a provisioning run and waits for that run (not the previous one) to end. The run is
 * followed by its event stream, not by re-rendering the page: only the click and the end of the
 * run fetch the page again (RSC requests), however long the run takes.
 */
async function provisionAndWait(page: Page) {
  const run = page.getByTestId('run');
  const previous = (await run.count()) ? await run.getAttribute('data-run-id') : null;
  const pageFetches: string[] = [];
  const countFetch = (r: Request) => {
    const h = r.headers();
    if (h.rsc === '1' && !h['next-router-prefetch'] && !h['next-action']) pageFetches.push(r.url());
  };
  page.on('request', countFetch);
  const stream = page.waitForResponse((r) => /\/api\/runs\/[0-9a-f-]{36}\/events$/.test(r.url()), { timeout: 60_000 });
  // Bounded: a button left disabled (a run still going, a host key marked meanwhile) fails here, not at the test's 10 minutes.
  await page.getByRole('form', { name: 'Provision' }).getByRole('button').click({ timeout: 60_000 });
  await expect(run).not.toHaveAttribute('data-run-id', previous ?? '-', { timeout: 30_000 });
  const runId = await run.getAttribute('data-run-id');
  expect((await stream).url()).toContain(`/api/runs/${runId}/events`);
  await expect(run).toHaveAttribute('data-status', /succeeded|failed|interrupted/, { timeout: 540_000 });
  // The page refreshes itself once when the run ends: wait for it before counting.
  await expect.poll(() => pageFetches.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  page.off('request', countFetch);
  expect(pageFetches.length, pageFetches.join('\n')).toBeLessThanOrEqual(3);
}

test('bad input is refused in the form and nothing reaches a host', async ({ page }) => {
  await signInPage(page, OWNER);
  const form = page.getByRole('form', { name: 'Add a server' });
  await addServer(page, {
    name: 'Bad Name',
    host: '127.0.0.11;touch /tmp/pwned',
    port: '70000',
    username: 'root;id',
    bindAddress: '$(touch /tmp/pwned)',
  });
  await expect(form.getByText(/a host name may contain only letters, digits, dots and hyphens/)).toBeVisible();
  await expect(form.getByText('Port must be 1–65535')).toBeVisible();
  await expect(form.getByText('Enter a valid unix user name')).toBeVisible();
  await expect(form.getByText('Use 1–40 lowercase letters')).toBeVisible();
  await expect(form.getByText('Enter an IP address, or leave empty')).toBeVisible();

  await addServer(page, { name: 'not-a-key', host: '127.0.0.11', privateKey: 'this is not a key' });
  await expect(form.getByText('This is not a private key Berth can read')).toBeVisible();

  await page.goto('/servers');
  await expect(page.getByText('No servers yet')).toBeVisible();
  for (const p of [hostPath('berth-host-1', 'tmp', 'pwned'), '/tmp/pwned']) expect(fs.existsSync(p)).toBe(false);
});

test('an unreachable address and an unauthorized key get clear messages', async ({ page }) => {
  await signInPage(page, OWNER);
  await addServer(page, { name: 'ghost', host: '127.0.0.99' });
  await expect(page.getByRole('heading', { name: 'ghost' })).toBeVisible();
  await testConnection(page);
  await expect(page.getByTestId('probe-result')).toContainText(/refused/i);
  await expect(page.getByRole('form', { name: 'Pin this host key' })).toHaveCount(0);

  const host = testHost('berth-host-1');
  await addServer(page, { name: 'no-key-yet', host: host.address, bindAddress: host.address });
  await testConnection(page);
  await expect(page.getByTestId('probe-fingerprint')).toHaveText(host.hostKeyFingerprint);
  await expect(page.getByTestId('probe-result')).toContainText(/authentication failed/i);
  await expect(page.getByRole('form', { name: 'Pin this host key' })).toHaveCount(0);
});

for (const [index, name] of (['berth-host-1', 'berth-host-2'] as const).entries()) {
  test(`an admin adds ${name}, pins its host key and provisions it`, async ({ page }) => {
    const host = testHost(name);
    await signInPage(page, OWNER);
    await addServer(page, { name: `web-${index + 1}`, host: host.address, bindAddress: host.address });
    await expect(page.getByRole('heading', { name: `web-${index + 1}` })).toBeVisible();
    await expect(page).toHaveTitle(`web-${index + 1} · Berth`);
    authorizeKey(name, (await page.getByTestId('public-key').textContent())!.trim());

    await testConnection(page);
    await expect(page.getByTestId('probe-fingerprint')).toHaveText(host.hostKeyFingerprint);
    await expect(page.getByTestId('probe-result')).toContainText('Logged in as root');
    await page.getByRole('form', { name: 'Pin this host key' }).getByRole('button').click();
    await expect(page.getByTestId('pinned-fingerprint')).toHaveText(host.hostKeyFingerprint);

    await provisionAndWait(page);
    await expect(page.getByTestId('run')).toHaveAttribute('data-status', 'succeeded');
    await expect(page.getByTestId('facts')).toContainText('debian');
    await expect(page.getByTestId('facts')).toContainText('none'); // no systemd on the test hosts
    for (const service of ['nginx', 'php8.2-fpm', 'supervisor', 'cron']) {
      await expect(page.getByTestId(`service-${service}`)).toHaveAttribute('data-running', 'true');
    }
    await expect(page.getByTestId('metrics-chart')).toBeVisible();
    expect(fs.readFileSync(hostPath(name, 'etc', 'nginx/conf.d/00-berth.conf'), 'utf8')).toContain(
      `listen ${host.address}:80 default_server;`,
    );
    // Unknown hosts get no answer (444); the host's own site still answers by name.
    await expect(getWithHost(host.address, 'unknown.example')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await getWithHost(host.address, host.address)).body).toContain(name);

    // Provisioning again changes nothing, and says so per task.
    await provisionAndWait(page);
    await expect(page.getByTestId('run')).toHaveAttribute('data-status', 'succeeded');
    for (const task of ['detect-system', 'install-packages', 'nginx-base', 'php-base', 'services']) {
      await expect(page.getByTestId(`task-${task}`)).toHaveAttribute('data-status', 'unchanged');
    }
  });
}

test('a host key changed after pinning is refused, shown side by side, audited, and re-pinned by an admin', async ({ page }) => {
  await signInPage(page, OWNER);
  const before = testHost('berth-host-2').hostKeyFingerprint;
  // As a reinstall would: a new host key, and the old sessions gone.
  rekeyHost('berth-host-2');
  dropSessions('berth-host-2');
  const after = testHost('berth-host-2').hostKeyFingerprint;
  expect(after).not.toBe(before);

  await page.goto('/servers');
  await page.getByRole('link', { name: 'web-2' }).click();
  // Provisioning meets the new key, unless the per-minute sample met it first: then the server is
  // already marked, Provision is disabled (or, clicked in the moment between, refused by the action),
  // and no run starts. Either way the server ends marked; a run that did start has failed.
  const run = page.getByTestId('run');
  const previous = await run.getAttribute('data-run-id');
  const provision = page.getByRole('form', { name: 'Provision' }).getByRole('button');
  if (await provision.isEnabled()) await provision.click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('new-fingerprint')).toHaveText(after, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  if ((await run.getAttribute('data-run-id')) !== previous) await expect(run).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('old-fingerprint')).toHaveText(before);
  await expect(provision).toBeDisabled();

  await page.goto('/activity?action=server.hostkey.mismatch');
  await expect(page.getByTestId('audit-row').first()).toContainText('denied');
  await expect(page.getByTestId('audit-row').first()).toContainText(after);

  await page.goBack();
  await page.getByRole('form', { name: 'Re-pin to the new key' }).getByRole('button').click();
  await expect(page.getByTestId('pinned-fingerprint')).toHaveText(after);
  await provisionAndWait(page);
  await expect(page.getByTestId('run')).toHaveAttribute('data-status', 'succeeded');
});

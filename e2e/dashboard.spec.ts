import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { deployedPhpApp } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { startHttpSink, type HttpSink, type SinkRequest } from '@/test-support/fixtures/notify-sinks';
import { getWithHost, onHost, testHost } from '@/test-support/testbed-hosts';

// Issue 7's "done when": a PHP app on both test hosts gets its uptime checks automatically; its
// dashboard shows live uptime and FPM charts with a marker for the deploy; stopping nginx on one
// host raises an incident and a webhook (to a local sink) within two check intervals, and
// starting it again closes both. Runs after apps.spec (project "apps"): web-1 and web-2 exist.
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const slug = `dash-${randomBytes(3).toString('hex')}`;
const APP = { name: `Dash ${slug}`, slug, domain: `${slug}.test` };
const INTERVAL_S = 10;
const repo = fixtureRepo('php-app');
let sink: HttpSink;
let appId = '';
let releaseId = '';
/** The automatic check of the app's domain on each server. */
const monitorIdOn: Record<string, string> = {};

type SentEvent = { type?: string; monitorId?: string; url?: string; title?: string };
const eventOf = (r: SinkRequest) => (r.body ?? {}) as SentEvent;

test.beforeAll(async () => {
  sink = await startHttpSink();
});
test.afterAll(async () => {
  // Whatever happened above, host 1 serves again for the specs that follow.
  onHost('berth-host-1', 'pgrep -x nginx >/dev/null || nginx');
  await sink?.close();
  repo.remove();
});

const dashboard = (page: Page, range = '1h') => page.goto(`/apps/${appId}/dashboard?range=${range}`);

test('an alert channel to a local webhook, tested from the UI', async ({ page }) => {
  await signInPage(page, OWNER);
  await page.goto('/alerts');
  const form = page.getByRole('form', { name: 'Add a channel' });
  await form.getByTestId('channel-kind').selectOption('webhook');
  await form.getByTestId('channel-field-name').fill('Ops webhook');
  await form.getByTestId('channel-field-url').fill(`${sink.url}/berth-hook`);
  await form.getByTestId('channel-submit').click();
  const row = page.locator('[data-channel-name="Ops webhook"]');
  await expect(row).toBeVisible();
  // A webhook URL's path is its credential: only the host is shown back.
  await expect(row.getByTestId('channel-target')).toContainText(`127.0.0.1:${sink.port}`);
  await expect(row.getByTestId('channel-target')).not.toContainText('berth-hook');

  await row.getByTestId('channel-test').click();
  const test = await sink.waitFor((r) => r.path === '/berth-hook' && eventOf(r).type === 'test', 10_000);
  expect(test.method).toBe('POST');
  await expect(row.getByTestId('channel-last-sent')).not.toContainText('never');
  // The test send is listed under Recent deliveries, marked as one.
  const sent = page.getByTestId('deliveries').locator('tr[data-test-send][data-channel="Ops webhook"]');
  await expect(sent).toHaveAttribute('data-status', 'sent');
  await expect(sent).toContainText('test send');
});

test('the dashboard of a deployed app shows live uptime and FPM charts with a release marker', async ({ page }) => {
  await signInPage(page, OWNER);
  appId = await deployedPhpApp(page, APP, repo.dir);
  releaseId = /\/releases\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  for (const name of ['berth-host-1', 'berth-host-2'] as const) {
    expect((await getWithHost(testHost(name).address, APP.domain)).status).toBe(200);
  }

  // Berth adds one check per domain per web server by itself (at its next reload, ≤ 15 s).
  await expect(async () => {
    await page.goto('/monitors');
    for (const server of ['web-1', 'web-2']) {
      const row = page.getByTestId('monitor-row').filter({ hasText: `${APP.domain} on ${server}` });
      await expect(row).toHaveCount(1, { timeout: 1000 });
      monitorIdOn[server] = (await row.getAttribute('data-monitor-id'))!;
    }
  }).toPass({ timeout: 40_000 });

  // An operator tightens the interval of both checks.
  for (const server of ['web-1', 'web-2']) {
    await page.goto(`/monitors/${monitorIdOn[server]}`);
    const form = page.getByRole('form', { name: 'Edit monitor timing' });
    await form.getByTestId('monitor-interval').fill(String(INTERVAL_S));
    await form.getByTestId('monitor-timeout').fill('5000');
    await form.getByTestId('monitor-submit').click();
    await expect(page.getByText('Monitor saved')).toBeVisible();
  }

  await dashboard(page);
  await expect(page.getByTestId('dashboard-status')).toHaveAttribute('data-status', 'up', { timeout: 30_000 });
  // The 24 h uptime is what the checks found, on both servers: on a loaded machine a check can
  // time out, and the figure must still agree with the results each monitor lists (printed).
  await expect(async () => {
    let ok = 0;
    let total = 0;
    for (const server of ['web-1', 'web-2']) {
      await page.goto(`/monitors/${monitorIdOn[server]}`);
      total += await page.getByTestId('monitor-result').count();
      ok += await page.locator('[data-testid="monitor-result"][data-ok="true"]').count();
      for (const row of await page.locator('[data-testid="monitor-result"][data-ok="false"]').allInnerTexts()) {
        console.log(`failed check on ${server}: ${row.replace(/\s+/g, ' ')}`);
      }
    }
    expect(total).toBeGreaterThan(0);
    await dashboard(page);
    expect(Number(await page.getByTestId('uptime-24h').getAttribute('data-value'))).toBeCloseTo((100 * ok) / total, 2);
  }).toPass({ timeout: 30_000 });
  const response = page.getByTestId('response-chart');
  const fpm = page.getByTestId('fpm-chart');
  // Live: the page refreshes itself; both charts get points from the checks and the FPM poller.
  await expect(response).not.toHaveAttribute('data-points', '0', { timeout: 90_000 });
  await expect(response).toHaveAttribute('data-lines', '2');
  await expect(fpm).not.toHaveAttribute('data-points', '0', { timeout: 60_000 });
  await expect(page.getByTestId('fpm-pool')).toHaveCount(2);
  await expect(page.getByTestId('listen-queue').first()).toHaveText('n/a');
  // The deploy is marked on both charts and links to its release.
  for (const chart of [response, fpm]) {
    const marker = chart.getByTestId('release-marker');
    await expect(marker).toHaveCount(1);
    await expect(marker).toHaveAttribute('href', `/apps/${appId}/releases/${releaseId}`);
  }
  await expect(page.getByTestId('current-release')).toContainText('#1');
});

test('nginx stopped on one host: an incident and a webhook within two intervals; started: both close', async ({ page }) => {
  await signInPage(page, OWNER);
  const monitorId = monitorIdOn['web-1']!;
  await dashboard(page);
  await expect(page.getByTestId('no-incidents')).toBeVisible();

  const stoppedAt = Date.now();
  const sentBefore = sink.requests.length; // alerts of earlier checks are not this test's
  expect(onHost('berth-host-1', 'nginx -s stop').status).toBe(0);
  try {
    const down = await sink.waitFor(
      (r) => eventOf(r).type === 'monitor.down' && eventOf(r).monitorId === monitorId,
      2 * INTERVAL_S * 1000 + 5_000,
    );
    const downAfterMs = Date.now() - stoppedAt;
    // Two intervals, plus the delivery loop's pass (≤ 2 s) and the sink's receipt.
    expect(downAfterMs).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 3_000);
    expect(eventOf(down).url).toContain(`/monitors/${monitorId}`);
    // The other host's check stays up: no alert for it.
    const sinceStop = sink.requests.slice(sentBefore);
    expect(sinceStop.some((r) => eventOf(r).type === 'monitor.down' && eventOf(r).monitorId === monitorIdOn['web-2'])).toBe(false);
    // The open dashboard shows it without a reload.
    const incident = page.getByTestId('incident-row');
    await expect(incident).toHaveCount(1, { timeout: 20_000 });
    await expect(incident).toContainText(`${APP.domain} on web-1`);
    await expect(page.getByTestId('dashboard-status')).toHaveAttribute('data-status', 'down');
  } finally {
    onHost('berth-host-1', 'pgrep -x nginx >/dev/null || nginx');
  }

  const startedAt = Date.now();
  await sink.waitFor((r) => eventOf(r).type === 'monitor.up' && eventOf(r).monitorId === monitorId, 2 * INTERVAL_S * 1000 + 5_000);
  expect(Date.now() - startedAt).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 3_000);
  await expect(page.getByTestId('no-incidents')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('dashboard-status')).toHaveAttribute('data-status', 'up');

  // The monitor's page keeps the closed incident with its timeline, beside its response-time chart.
  await page.goto(`/monitors/${monitorId}`);
  await expect(page.getByTestId('response-chart')).toHaveAttribute('data-lines', '1');
  await expect(page.getByTestId('response-chart')).not.toHaveAttribute('data-points', '0');
  const closed = page.getByTestId('monitor-incident').first();
  const events = closed.getByTestId('incident-event');
  await expect(events.first()).toHaveAttribute('data-event', 'opened');
  await expect(events.last()).toHaveAttribute('data-event', 'closed');
  await expect(closed.locator('[data-testid="incident-event"][data-event="notified"]')).not.toHaveCount(0);
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { clickDeploy, deployedPhpApp, releaseOutcome, waitForAppRun } from './apps-fixtures';
import { findNeedle, hostIds, needlesFor, pgDump, ResponseLog, scanFiles } from './canary-scan';
import {
  addUserViaForm,
  captureActionRequest,
  commandTraceFile,
  dataDir,
  OWNER,
  panelLogFile,
  signIn,
  signInPage,
  usesPostgres,
  type CapturedAction,
} from './fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { getWithHost, testHost, TESTBED_DIR } from '@/test-support/testbed-hosts';

// The canary test (issue 6): known secret values go through the whole product (edit, push,
// restore, deploy, a failing deploy that prints .env, rollback, one reveal), then every place a
// value could leak is scanned. They may appear only in the reveal's own response and in
// shared/.env on the servers. Runs after apps.spec (project "apps"): web-1 and web-2 are provisioned.
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const marker = randomBytes(8).toString('hex'); // in every canary value: any form of any of them contains it
const control = `ctl${randomBytes(6).toString('hex')}`; // in the app's name: proves each scan sees plain text
// Its own slug each run: a test host that is not fresh keeps what an earlier run deployed.
const slug = `canary-${control.slice(3, 9)}`;
const APP = { name: `Canary ${control}`, slug, domain: `${slug}.test` };
const CANARY_A = `canary-${marker}-a`;
const MULTI = `first canary-${marker}-m1\nsays "hi" to $HOME canary-${marker}-m2\n'single' last canary-${marker}-m3`;
const GREETING_ONE = `hello-${marker}-one`;
const GREETING_TWO = `hello-${marker}-two`;

const repo = fixtureRepo('php-app');
const hosts = [testHost('berth-host-1'), testHost('berth-host-2')];
const log = new ResponseLog();
let appId = '';
let revealActionId = '';
const replays: { what: string; body: Buffer }[] = [];

test.beforeEach(async ({ context, page, baseURL }) => {
  await log.watch(context, baseURL!);
  await log.watchEvents(page);
});
test.afterAll(() => repo.remove());

const envPage = (page: Page) => page.goto(`/apps/${appId}/env`);

/** Both servers' PHP app prints this greeting (it reads shared/.env through current/.env on every request). */
async function greetingEverywhere(greeting: string) {
  for (const host of hosts) {
    await expect
      .poll(async () => (await getWithHost(host.address, APP.domain).catch(() => ({ body: '' }))).body, { timeout: 15_000 })
      .toContain(`greeting: ${greeting}\n`);
  }
}

/** Checks the unsaved diff, saves, and waits for the new revision (toasts of earlier saves may still show). */
async function save(page: Page, expected: string[], revision: number) {
  const diff = page.getByTestId('env-unsaved-diff');
  for (const line of expected) await expect(diff).toContainText(line);
  await page.getByRole('button', { name: 'Save revision', exact: true }).click();
  await expect(page.getByText(`revision #${revision}`, { exact: true })).toBeVisible();
  await expect(diff).toHaveCount(0);
}

/** Push to servers and wait until both have `revision`. */
async function push(page: Page, revision: number) {
  await expect(page.getByText(`revision #${revision}`, { exact: true })).toBeVisible();
  await page
    .getByRole('form', { name: 'Push to servers', exact: true })
    .getByRole('button', { name: 'Push to servers', exact: true })
    .click();
  for (const server of ['web-1', 'web-2'])
    await expect(page.getByTestId(`env-push-${server}`)).toContainText(`#${revision}`, { timeout: 60_000 });
  await expect(page.getByText('pending push')).toHaveCount(0);
}

async function deploy(page: Page) {
  await page.goto(`/apps/${appId}`);
  return clickDeploy(page);
}

test('env canary: a PHP app on both servers, deployed before any environment is saved', async ({ page }) => {
  await signInPage(page, OWNER);
  appId = await deployedPhpApp(page, APP, repo.dir);
  for (const host of hosts)
    await expect
      .poll(async () => (await getWithHost(host.address, APP.domain)).body, { timeout: 10_000 })
      .toContain(`fixture release ${repo.head()}`);
});

test('env canary: add, save (diff first), push without a release; edit and push; restore and push', async ({ page }) => {
  await signInPage(page, OWNER);
  await envPage(page);
  const rows: [string, string][] = [
    ['CANARY_A', CANARY_A],
    ['CANARY_MULTI', MULTI],
    ['GREETING', GREETING_ONE],
  ];
  for (const [i, [key, value]] of rows.entries()) {
    await page.getByRole('button', { name: 'Add variable', exact: true }).click();
    await page.getByLabel(`Key ${i + 1}`, { exact: true }).fill(key);
    await page.getByLabel(`Value of ${key}`, { exact: true }).fill(value);
  }
  await save(page, ['+ CANARY_A', '+ CANARY_MULTI', '+ GREETING'], 1);
  await expect(page.getByText('pending push')).toBeVisible();
  await push(page, 1);
  await greetingEverywhere(GREETING_ONE);

  await page.getByRole('button', { name: 'Change GREETING', exact: true }).click();
  await page.getByLabel('Value of GREETING', { exact: true }).fill(GREETING_TWO);
  await save(page, ['~ GREETING'], 2);
  await push(page, 2);
  await greetingEverywhere(GREETING_TWO);

  await page.getByRole('form', { name: 'Restore revision 1', exact: true }).getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByText('Revision 1 restored as a new revision')).toBeVisible();
  await push(page, 3);
  await greetingEverywhere(GREETING_ONE);
});

test('env canary: deploy, a failing deploy whose build prints .env (redacted), one-click rollback', async ({ page }) => {
  await signInPage(page, OWNER);
  expect(await deploy(page)).toBe('succeeded');
  await greetingEverywhere(GREETING_ONE);

  // Commands run without a shell, one argv per line: the build prints .env, then fails.
  await page.goto(`/apps/${appId}/settings`);
  const settings = page.getByRole('form', { name: 'App settings' });
  const before = await Promise.all(
    ['web-1', 'web-2'].map((name) => page.getByTestId(`app-server-${name}`).getByTestId('run').getAttribute('data-run-id')),
  );
  await settings.getByLabel('Build commands').fill('cat .env\nfalse');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', before[0]!);
  await waitForAppRun(page, 'web-2', before[1]!);
  expect(await deploy(page)).toBe('failed');
  await expect(page.getByTestId('release')).toHaveAttribute('data-failed-step', 'build');
  for (const server of ['web-1', 'web-2']) {
    const build = page.getByTestId(`release-server-${server}`).getByTestId('task-build');
    await expect(build).toHaveAttribute('data-status', 'failed');
    await expect(build).toContainText('CANARY_A=[redacted]');
    await expect(build).toContainText('CANARY_MULTI="[redacted]"');
    await expect(build).toContainText('GREETING=[redacted]');
  }

  await page.goto(`/apps/${appId}/deployments`);
  await page.getByRole('form', { name: 'Roll back to 1', exact: true }).getByRole('button').click();
  expect(await releaseOutcome(page)).toBe('succeeded');
  await greetingEverywhere(GREETING_ONE);
});

test('env canary: a viewer gets 403 for reveal and push, even by a direct POST; the owner reveals one value once', async ({
  page,
  browser,
}) => {
  await signInPage(page, OWNER);
  const viewer = { name: 'Env Viewer', email: `env-viewer-${control}@berth.test`, password: 'env-viewer-password-1' };
  await addUserViaForm(page, viewer, 'viewer');
  await envPage(page);
  const editorRow = page.getByTestId('env-row-CANARY_A');
  const revealButton = editorRow.getByRole('button', { name: 'Reveal CANARY_A', exact: true });
  // The browser's own requests, stopped before they leave: replayed below with the viewer's cookies.
  const reveal = await captureActionRequest(page, () => revealButton.click());
  const pushRequest = await captureActionRequest(page, () =>
    page.getByRole('form', { name: 'Push to servers', exact: true }).getByRole('button', { name: 'Push to servers', exact: true }).click(),
  );
  revealActionId = reveal.headers['next-action']!;

  const viewerContext = await browser.newContext({ baseURL: new URL(page.url()).origin });
  await log.watch(viewerContext, new URL(page.url()).origin);
  await signIn(viewerContext.request, viewer);
  const replay = async (what: string, captured: CapturedAction) => {
    const { cookie: _ownerCookie, ...headers } = captured.headers;
    const res = await viewerContext.request.post(captured.url, { headers, data: captured.body });
    const body = await res.body();
    replays.push({ what, body });
    expect(res.status(), `${what} as a viewer`).toBe(403);
    expect(findNeedle(body, needlesFor(marker))).toBeNull();
  };
  await replay('reveal', reveal);
  await replay('push', pushRequest);
  // The viewer sees the keys (values masked), and no Reveal or Push.
  const viewerPage = await viewerContext.newPage();
  await viewerPage.goto(`/apps/${appId}/env`);
  await expect(viewerPage.getByTestId('env-row-CANARY_A')).toBeVisible();
  await expect(viewerPage.getByRole('button', { name: 'Reveal CANARY_A', exact: true })).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Push to servers', exact: true })).toHaveCount(0);
  await viewerContext.close();

  // Nothing was pushed by the replay: both servers still have revision 3, with no newer run.
  await envPage(page);
  for (const server of ['web-1', 'web-2']) await expect(page.getByTestId(`env-push-${server}`)).toContainText('#3');

  // The one reveal (a password confirmation first if the sign-in is older than 10 minutes).
  const revealed = page.getByTestId('revealed-CANARY_A');
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().headers()['next-action'] === revealActionId);
  await page.getByTestId('env-row-CANARY_A').getByRole('button', { name: 'Reveal CANARY_A', exact: true }).click();
  await answered;
  const confirm = page.getByRole('region', { name: 'Confirm your password' });
  if (await confirm.isVisible()) {
    await confirm.getByLabel('Password').fill(OWNER.password);
    await confirm.getByRole('button', { name: 'Confirm', exact: true }).click();
    await expect(confirm).toHaveCount(0);
    await page.getByTestId('env-row-CANARY_A').getByRole('button', { name: 'Reveal CANARY_A', exact: true }).click();
  }
  await expect(revealed).toHaveText(CANARY_A);
});

test('env canary: the values are nowhere but the reveal response and shared/.env on the servers', async () => {
  const needles = needlesFor(marker);
  const controlNeedles = [Buffer.from(control)];
  // Soft: one run names every place a value leaked to, not only the first.

  // (a) Every response the browser received, except the reveal's own.
  expect(log.unreadable, 'responses whose body could not be read').toEqual([]);
  const reveals = log.captured.filter((c) => c.actionId === revealActionId);
  expect(
    reveals.filter((c) => findNeedle(c.body, [Buffer.from(CANARY_A)])),
    'the one reveal that answered with the value',
  ).toHaveLength(1);
  // The release page's live log reached the browser, the redacted build output included.
  expect(
    log.captured.some((c) => c.type.startsWith('text/event-stream') && c.body.includes('CANARY_A=[redacted]')),
    'the build log, redacted, in the release events',
  ).toBe(true);
  const leaks = [
    ...log.captured.filter((c) => c.actionId !== revealActionId),
    ...replays.map((r) => ({ url: r.what, method: 'POST', body: r.body })),
  ]
    .map((c) => ({ where: `${c.method} ${c.url}`, found: findNeedle(c.body, needles) }))
    .filter((c) => c.found);
  expect.soft(leaks, `${log.captured.length} responses scanned`).toEqual([]);
  test.info().annotations.push({
    type: 'scanned',
    description: `${log.captured.length} responses (${log.captured.filter((c) => c.type.startsWith('text/event-stream')).length} release log events), ${replays.length} replays`,
  });
  expect(
    log.captured.some((c) => findNeedle(c.body, controlNeedles)),
    'the app name is in some response',
  ).toBe(true);

  // (b) The panel's own stdout and stderr.
  const panelLog = fs.readFileSync(panelLogFile);
  expect(panelLog.length).toBeGreaterThan(0);
  expect.soft(findNeedle(panelLog, needles), 'panel output').toBeNull();

  // (c) The database: audit rows, release and task logs, job payloads, everything.
  if (usesPostgres) {
    const dump = pgDump(process.env.DATABASE_URL!);
    expect(findNeedle(dump, controlNeedles), 'pg_dump sees plain text').not.toBeNull();
    expect.soft(findNeedle(dump, needles), 'pg_dump').toBeNull();
  } else {
    expect(scanFiles([path.join(dataDir, 'pglite')], controlNeedles).length, 'the PGlite files hold plain text').toBeGreaterThan(0);
    expect.soft(scanFiles([dataDir], needles), 'the data directory (PGlite heap and WAL files)').toEqual([]);
  }

  // (d) Every command line sent to a server.
  const trace = fs.readFileSync(commandTraceFile, 'utf8');
  for (const server of ['web-1', 'web-2']) expect(trace).toContain(`${server}\t`);
  expect.soft(findNeedle(trace, needles), 'command trace').toBeNull();

  // (e) The servers: everything but shared/.env, which holds the values, 0640, the app user's.
  for (const host of hosts) {
    const root = path.join(TESTBED_DIR, 'hosts', host.name);
    const envFile = path.join(root, 'www', APP.slug, 'shared', '.env');
    const text = fs.readFileSync(envFile, 'utf8');
    expect(text).toContain(`CANARY_A=${CANARY_A}\n`);
    expect(text).toContain(`CANARY_MULTI="${MULTI.replaceAll('"', '\\"').replaceAll('$', '\\$').replaceAll('\n', '\\n')}"\n`);
    expect(text).toContain(`GREETING=${GREETING_ONE}\n`);
    const stat = fs.statSync(envFile);
    const ids = hostIds(path.join(root, 'etc'), APP.slug);
    expect({ mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid }).toEqual({ mode: 0o640, uid: ids.uid, gid: ids.gid });
    // The host's whole state (etc, log, www, run, tmp, home, cron spool: a few MB), not only the configs Berth writes.
    expect(
      scanFiles([path.join(root, 'etc', 'nginx')], [Buffer.from(APP.domain)]).length,
      `${host.name}: the scan sees the vhost`,
    ).toBeGreaterThan(0);
    expect.soft(scanFiles([root], needles, [envFile]), `${host.name}: files other than shared/.env`).toEqual([]);
  }
});

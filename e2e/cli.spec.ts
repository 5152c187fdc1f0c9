import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { baseURL } from '../playwright.config';
import { openApp, runIdOn } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { getWithHost, hostPath, testHost } from '@/test-support/testbed-hosts';

// The CLI and drift against the running panel, with tokens made in Settings. Runs after the "apps"
// project: the fleet it exports holds the servers, and ticker (from definitions.spec) is live.
test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-e2e-'));
const proc = fixtureRepo('process-app');
test.afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  proc.remove();
});

type Outcome = { code: number; out: string; err: string };

function berth(token: string, args: string[], url = baseURL): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/berth.mjs', ...args],
      { env: { ...process.env, BERTH_URL: url, BERTH_TOKEN: token }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, out, errText) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errText }),
    );
  });
}

async function createToken(page: Page, name: string, role: string): Promise<string> {
  await page.goto('/settings');
  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-api-token').textContent())!.trim();
  expect(token).toMatch(/^berth_[A-Za-z0-9_-]{43}$/);
  return token;
}

const write = (name: string, text: string) => {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  return file;
};

const BEAT = `monitors:
  - kind: heartbeat
    name: cli-beat
    intervalS: 3600
    token: { secret: monitors/cli-beat/token }
`;

/** The fleet file with a heartbeat monitor added (or the file as exported, without). */
const withBeat = (fleet: string) =>
  /^monitors:( \[\])?\n/m.test(fleet) ? fleet.replace(/^monitors:( \[\])?\n/m, BEAT) : `${fleet}${BEAT}`;

test('CLI: plan and apply, a destructive plan held back, deploy and roll back with the live log, env push and pull', async ({ page }) => {
  await signInPage(page, OWNER);
  const admin = await createToken(page, 'ci', 'admin');
  const viewer = await createToken(page, 'read-only', 'viewer');
  await page.goto('/settings');
  await expect(page.getByTestId('api-token-ci')).toContainText('berth_');
  await expect(page.getByTestId('new-api-token')).toHaveCount(0); // shown once: a reload forgets it

  const status = await berth(admin, ['status']);
  expect(status).toMatchObject({ code: 0 });
  expect(status.out).toMatch(/web-1\s+ready/);
  expect(status.out).toMatch(/ticker\s+process\s+#1/);

  // Plan and apply: a heartbeat monitor added to the exported fleet.
  const exported = await berth(admin, ['export']);
  expect(exported.code).toBe(0);
  // The file as exported (an absent section would leave the panel's monitors alone: `monitors: []` says none).
  const fleet = write('fleet.yaml', /^monitors:/m.test(exported.out) ? exported.out : `${exported.out}monitors: []\n`);
  const added = write('fleet-beat.yaml', withBeat(exported.out));
  const plan = await berth(admin, ['plan', '-f', added]);
  expect(plan, plan.err).toMatchObject({ code: 0 });
  expect(plan.out).toContain('+ monitor cli-beat');
  expect(plan.out).toContain('Plan: 1 to create, 0 to change, 0 to remove.');
  const applied = await berth(admin, ['apply', '-f', added]);
  expect(applied, applied.err).toMatchObject({ code: 0 });
  expect(applied.out).toContain('Applied 1 change(s).');
  expect((await berth(admin, ['plan', '-f', added])).out).toContain('No changes');

  // Errors: a bad file names its line; a viewer token is refused; a wrong URL and a closed port.
  const bad = write('bad.yaml', exported.out.replace(/^servers:\n/m, 'servers:\n  - colour: blue\n'));
  const problems = await berth(admin, ['plan', '-f', bad]);
  expect(problems.code).toBe(1);
  expect(problems.err).toMatch(new RegExp(`${bad}:\\d+: .*Unknown key "colour"`));
  const denied = await berth(viewer, ['apply', '-f', added]);
  expect(denied.code).toBe(5);
  expect(denied.err).toContain('needs the admin role');
  expect((await berth(admin, ['status'], `${baseURL}/nowhere`)).code).toBe(4);
  expect((await berth(admin, ['status'], 'http://127.0.0.1:9')).code).toBe(4);

  // The exported file without the monitor removes it: destructive, so nothing happens without --yes.
  const held = await berth(admin, ['apply', '-f', fleet]);
  expect(held.code).toBe(3);
  expect(held.out).toContain('- monitor cli-beat');
  expect(held.err).toContain('nothing was applied');
  expect((await berth(admin, ['plan', '-f', fleet])).code).toBe(3); // still there
  expect(await berth(admin, ['apply', '-f', fleet, '--yes'])).toMatchObject({ code: 0 });
  expect((await berth(admin, ['plan', '-f', fleet])).out).toContain('No changes');

  // An App file: ticker moves to a repository of this spec's own (definitions.spec removed its
  // fixture); the apply queues configure on both servers, which must end before a deploy.
  await openApp(page, 'Ticker');
  const before = { 'web-1': await runIdOn(page, 'web-1'), 'web-2': await runIdOn(page, 'web-2') };
  const appFile = await berth(admin, ['export', 'ticker']);
  expect(appFile.out).toMatch(/^apiVersion: berth\/v1\nkind: App\n/);
  const moved = write('ticker.yaml', appFile.out.replace(/^(\s+repository: ).*$/m, `$1${proc.dir}`));
  const appPlan = await berth(admin, ['plan', '-f', moved]);
  expect(appPlan.out).toContain('~ app ticker');
  expect(appPlan.out).toContain(`→ "${proc.dir}"`);
  expect(await berth(admin, ['apply', '-f', moved])).toMatchObject({ code: 0, out: expect.stringContaining('Applied 1 change(s).') });
  for (const server of ['web-1', 'web-2'] as const) {
    await expect
      .poll(
        async () => {
          await page.reload();
          const run = page.getByTestId(`app-server-${server}`).getByTestId('run');
          const id = await run.getAttribute('data-run-id');
          return id !== before[server] ? await run.getAttribute('data-status') : 'not yet';
        },
        { timeout: 120_000, intervals: [2_000] },
      )
      .toBe('succeeded');
  }

  // Deploy follows the live log to the end; rollback goes back to the deploy before the live one.
  const deploy = await berth(admin, ['deploy', 'ticker']);
  expect(deploy, deploy.err).toMatchObject({ code: 0, err: '' });
  expect(deploy.out).toMatch(/deploy #2 of \S+ queued/);
  expect(deploy.out).toMatch(/web-1\s+switch: changed/);
  expect(deploy.out).toMatch(/web-2\s+health-check: \w+/);
  expect(deploy.out).toContain('deploy succeeded');
  const served = async () => (await getWithHost(testHost('berth-host-1').address, 'ticker.test')).body;
  await expect.poll(served, { timeout: 15_000 }).toContain(`fixture release ${proc.head()}`);
  const rollback = await berth(admin, ['rollback', 'ticker']);
  expect(rollback, rollback.err).toMatchObject({ code: 0 });
  expect(rollback.out).toContain('rollback to releases/1 queued');
  expect(rollback.out).toContain('rollback succeeded');
  expect((await berth(admin, ['status'])).out).toMatch(/ticker\s+process\s+#1 /);
  // Back on deploy #1, built from the repository ticker had before.
  await expect.poll(served, { timeout: 15_000 }).toMatch(/fixture release [0-9a-f]{40}/);
  expect(await served()).not.toContain(proc.head());

  // env push: a new revision, written to shared/.env on the app's servers; env pull reads it back.
  const env = write('ticker.env', 'GREETING="hello from the cli"\nPAYMENT_KEY=sk_live_cli\n');
  const pushed = await berth(admin, ['env', 'push', 'ticker', '-f', env]);
  expect(pushed, pushed.err).toMatchObject({ code: 0 });
  expect(pushed.out).toContain('+ GREETING');
  expect(pushed.out).not.toContain('sk_live_cli');
  expect(pushed.out).toContain('Pushing to 2 server(s).');
  await expect
    // A file not written yet is "not yet" (expect.poll gives up at once on a callback that throws).
    .poll(() => readIfThere(hostPath('berth-host-2', 'www', 'ticker/shared/.env')), { timeout: 60_000 })
    .toContain('hello from the cli');
  const pulled = await berth(admin, ['env', 'pull', 'ticker']);
  expect(pulled).toMatchObject({ code: 0 });
  expect(pulled.out).toMatch(/^PAYMENT_KEY="?sk_live_cli"?$/m);
  expect((await berth(viewer, ['env', 'pull', 'ticker'])).code).toBe(5);

  // Revoked in Settings: the next call is refused.
  await page.goto('/settings');
  await page.getByRole('form', { name: 'Revoke ci' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('api-token-ci')).toContainText('revoked');
  expect((await berth(admin, ['status'])).code).toBe(5);
});

/** Clicks Check now and returns what the panel said (Checked, a busy notice, or an error), after a reload. */
async function checkNow(page: Page): Promise<string> {
  const toasts = page.locator('[data-sonner-toast]');
  const before = await toasts.count();
  await page.getByTestId('drift').getByRole('button', { name: 'Check now' }).click();
  // "Checked", and with it a notice when the server was busy (two toasts), or the error.
  await expect.poll(() => toasts.count()).toBeGreaterThan(before);
  await page.waitForTimeout(300);
  const said = (await toasts.allTextContents()).slice(before).join(' | ');
  await page.reload();
  return said;
}

test('drift: a vhost edited by hand shows on the server and app pages; Revert puts the rendered file back', async ({ page }) => {
  await signInPage(page, OWNER);
  const vhost = hostPath('berth-host-1', 'etc', 'nginx/sites-enabled/berth-ticker.conf');
  const rendered = fs.readFileSync(vhost, 'utf8');
  fs.appendFileSync(vhost, '# edited by hand\n');

  await page.goto('/servers');
  await page.getByRole('link', { name: 'web-1' }).click();
  await expect(page.getByTestId('drift')).toBeVisible(); // on the server page now: its address is the one to come back to
  const serverUrl = page.url();
  const finding = page
    .getByTestId('drift')
    .locator('[data-testid="drift-finding"][data-subject="/etc/nginx/sites-enabled/berth-ticker.conf"]');
  // A server with a run in progress (the env push of the test before may still be ending) is checked again.
  await expect
    .poll(async () => ((await finding.count()) ? 'found' : await checkNow(page)), { timeout: 60_000, intervals: [1_000] })
    .toBe('found');
  await expect(finding).toContainText('changed outside Berth');
  await expect(finding.getByTestId('pending-diff')).toContainText('-# edited by hand');
  await openApp(page, 'Ticker', 'Settings');
  await expect(page.getByTestId('drift-finding')).toHaveCount(1);

  await page.getByTestId('drift-finding').getByRole('button', { name: 'Revert' }).click();
  await expect.poll(() => fs.readFileSync(vhost, 'utf8'), { timeout: 90_000 }).toBe(rendered);
  // The configure runs end, then a check finds the server as planned.
  await page.goto(serverUrl);
  await expect
    .poll(async () => ((await page.getByTestId('drift-none').count()) ? 'clean' : await checkNow(page)), {
      timeout: 90_000,
      intervals: [2_000],
    })
    .toBe('clean');
});

function readIfThere(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

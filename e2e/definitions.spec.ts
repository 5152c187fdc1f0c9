import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { clickDeploy, openApp, waitForAppRun } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { getWithHost, hostPath, testHost } from '@/test-support/testbed-hosts';

// Runs in the "apps" project after apps.spec and dashboard.spec: the panel already holds servers,
// apps, monitors and channels made in the browser. Its own export must plan as nothing, and the
// two apps added to that file must be all the plan shows.
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const php = fixtureRepo('php-app');
const proc = fixtureRepo('process-app');
test.afterAll(() => {
  php.remove();
  proc.remove();
});
const hosts = [testHost('berth-host-1'), testHost('berth-host-2')];

const APPS = `  - slug: ledger
    name: Ledger
    kind: php
    domains: [ledger.test]
    servers:
      - { server: web-1, roles: [web, worker] }
      - { server: web-2, roles: [web] }
    repository: ${php.dir}
    workers:
      - { name: queue, argv: [php, -r, "sleep(3600);"], processes: 1, servers: [web-1] }
    release:
      hooks:
        - { argv: [touch, migrated.txt], server: web-1 }
  - slug: ticker
    name: Ticker
    kind: process
    domains: [ticker.test]
    servers:
      - { server: web-1, roles: [web] }
      - { server: web-2, roles: [web] }
    repository: ${proc.dir}
    port: 9471
    processArgv: [python3, server.py]
    healthCheck: { path: /health }
`;

async function exportFleet(page: Page): Promise<string> {
  await page.goto('/definitions');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export the fleet' }).click();
  return fs.readFileSync((await (await download).path())!, 'utf8');
}

async function planOf(page: Page, text: string) {
  await page.goto('/definitions');
  await page.getByLabel('Definition (YAML)').fill(text);
  await page.getByRole('button', { name: 'Plan' }).click();
}

test('definitions: export, add two apps to the file, plan, apply, deploy both on both hosts; the same file again plans nothing', async ({
  page,
}) => {
  await signInPage(page, OWNER);
  const exported = await exportFleet(page);
  expect(exported).toMatch(/^apiVersion: berth\/v1\nkind: Fleet\n/);
  expect(exported).toContain('secret: servers/web-1/ssh-key');
  await planOf(page, exported);
  await expect(page.getByTestId('plan-empty')).toBeVisible();

  // A bad file is refused with its line, and nothing is planned.
  await planOf(page, exported.replace(/^apps:\n/m, 'apps:\n  - slug: x\n    colour: blue\n'));
  await expect(page.getByTestId('definition-problems')).toContainText('Line');
  await expect(page.getByTestId('definition-problems')).toContainText('Unknown key "colour"');

  const edited = exported.replace(/^apps:\n/m, `apps:\n${APPS}`);
  await planOf(page, edited);
  const changes = page.getByTestId('plan-change');
  await expect(changes).toHaveCount(2);
  await expect(changes.filter({ hasText: 'app ledger' })).toContainText('workers[0].servers');
  await expect(changes.filter({ hasText: 'app ticker' })).toContainText('9471');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('apply-result')).toContainText('Configure queued');
  await expect(page.getByTestId('apply-result').getByRole('listitem')).toHaveText(['web-1: 2 apps', 'web-2: 2 apps']);

  for (const name of ['Ticker', 'Ledger']) {
    await openApp(page, name);
    // Each server configures the two apps in turn: a page opened before its run exists is reloaded until it does.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('[data-testid^="app-server-web-"] [data-testid="run"]').count();
        },
        { timeout: 120_000, intervals: [2_000] },
      )
      .toBe(2);
    await waitForAppRun(page, 'web-1', null);
    await waitForAppRun(page, 'web-2', null);
    expect(await clickDeploy(page)).toBe('succeeded');
  }
  // Ledger's release page: the migrate-style hook ran on web-1 only, and the worker runs there only.
  await expect(page.getByTestId('release-server-web-1').getByTestId('task-hooks')).toHaveAttribute('data-status', 'changed');
  await expect(page.getByTestId('release-server-web-2').getByTestId('task-hooks')).toHaveAttribute('data-status', 'unchanged');
  expect(fs.existsSync(hostPath('berth-host-1', 'www', 'ledger/current/migrated.txt'))).toBe(true);
  expect(fs.existsSync(hostPath('berth-host-2', 'www', 'ledger/current/migrated.txt'))).toBe(false);
  expect(fs.existsSync(hostPath('berth-host-1', 'etc', 'supervisor/conf.d/berth-ledger.conf'))).toBe(true);
  expect(fs.existsSync(hostPath('berth-host-2', 'etc', 'supervisor/conf.d/berth-ledger.conf'))).toBe(false);
  for (const host of hosts) {
    expect((await getWithHost(host.address, 'ledger.test')).body).toContain(`fixture release ${php.head()}`);
    await expect
      .poll(async () => (await getWithHost(host.address, 'ticker.test').catch(() => ({ body: '' }))).body, { timeout: 15_000 })
      .toContain(`fixture release ${proc.head()}`);
  }

  await planOf(page, edited);
  await expect(page.getByTestId('plan-empty')).toBeVisible();
});

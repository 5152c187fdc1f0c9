import { expect, test, type Page } from '@playwright/test';
import { clickDeploy, createApp, openApp, releaseOutcome, waitForAppRun } from './apps-fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { OWNER, signInPage } from './fixtures';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';
import { loadHosts } from '@/test-support/testbed-load';

// Runs after apps.spec in the "apps" project: both servers are provisioned. A PHP app on both
// servers, deployed from a git repository made at test time (test-support/fixtures/php-app).
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const repo = fixtureRepo('php-app');
test.afterAll(() => repo.remove());
const hosts = [testHost('berth-host-1'), testHost('berth-host-2')];

/** Both servers serve this commit (nginx → PHP-FPM → current/public/index.php). */
async function servedEverywhere(sha: string) {
  for (const host of hosts)
    await expect
      .poll(async () => (await getWithHost(host.address, 'blog.test')).body, { timeout: 10_000 })
      .toContain(`fixture release ${sha}`);
}

async function deploy(page: Page) {
  await openApp(page, 'Blog');
  return clickDeploy(page);
}

test('releases: deploy to two servers from the browser, follow every step, roll back in one click', async ({ page }) => {
  await signInPage(page, OWNER);
  await createApp(page, {
    name: 'Blog',
    slug: 'blog',
    kind: 'php',
    domains: 'blog.test',
    repository: repo.dir,
    servers: ['web-1', 'web-2'],
  });
  await expect(page.getByRole('heading', { name: 'Blog' })).toBeVisible();
  await waitForAppRun(page, 'web-1', null);
  await waitForAppRun(page, 'web-2', null);

  const first = repo.head();
  expect(await deploy(page)).toBe('succeeded');
  for (const name of ['web-1', 'web-2']) {
    const steps = page.getByTestId(`release-server-${name}`);
    for (const step of ['extract', 'switch', 'health-check'])
      await expect(steps.getByTestId(`task-${step}`)).toHaveAttribute('data-status', 'changed');
  }
  await servedEverywhere(first);

  const second = repo.commit({ 'public/extra.txt': 'two\n' }, 'second');
  expect(await deploy(page)).toBe('succeeded');
  await servedEverywhere(second);

  // One click on release #1.
  await openApp(page, 'Blog', 'Deployments');
  await expect(page.getByTestId('releases')).toContainText(second.slice(0, 7));
  await page.getByRole('form', { name: 'Roll back to 1', exact: true }).getByRole('button').click();
  expect(await releaseOutcome(page)).toBe('succeeded');
  await servedEverywhere(first);
});

test('releases: a broken commit is refused at the gate while a load runs (0 non-2xx), and a failing build never switches', async ({
  page,
}) => {
  await signInPage(page, OWNER);
  // Both servers under load through their nginx for the whole deploy: nothing may answer other than 2xx.
  const load = loadHosts(
    hosts.map((h) => h.address),
    'blog.test',
    { clients: 2, capMs: 120_000 },
  );
  try {
    repo.commit({ 'public/index.php': '<?php echo "broken" ;; if ( {\n' }, 'syntax error');
    expect(await deploy(page)).toBe('failed');
    await expect(page.getByTestId('release')).toHaveAttribute('data-failed-step', 'gate');
    await expect(page.getByTestId('release').getByRole('alert')).toContainText('Nothing was switched.');
  } finally {
    for (const [address, s] of await load.stop()) {
      expect(s.failures, address).toEqual([]);
      expect(s.requests, address).toBeGreaterThan(10);
    }
  }
  await servedEverywhere(await firstSha());

  // A build command that fails stops the release before the switch.
  await openApp(page, 'Blog', 'Settings');
  const settings = page.getByRole('form', { name: 'App settings' });
  const before = await Promise.all(
    ['web-1', 'web-2'].map((name) => page.getByTestId(`app-server-${name}`).getByTestId('run').getAttribute('data-run-id')),
  );
  await settings.getByLabel('Build commands').fill('php -r \'fwrite(STDERR, "composer: lock file out of date\\n"); exit(2);\'');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', before[0]!);
  await waitForAppRun(page, 'web-2', before[1]!);
  expect(await deploy(page)).toBe('failed');
  await expect(page.getByTestId('release')).toHaveAttribute('data-failed-step', 'build');
  await expect(page.getByTestId('release').getByRole('alert')).toContainText('composer: lock file out of date');
  await servedEverywhere(await firstSha());
});

/** The sha release #1 deployed, read from the fixture repository's first commit. */
async function firstSha(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  return execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' }).trim();
}

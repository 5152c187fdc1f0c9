import { expect, test } from '@playwright/test';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { gitServer } from '@/test-support/git-server';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';
import { testTarget } from '@/test-support/test-hosts';
import { appLeftovers } from '@/test-support/app-leftovers';
import { closeConnection, getConnection } from '@/lib/remote/connection';
import { SshTransport } from '@/lib/remote/transport';
import { deleteAppInUi } from './delete-fixtures';
import { clickDeploy, createApp, openApp, waitForAppRun } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';

// Issue 19 §1, in the "apps" project (web-1 and web-2 are provisioned): a private repository on a
// real git-over-SSH server (user git with git-shell on berth-host-1's sshd), deployed with the
// app's deploy key once the key shown on the app is added there.
test.describe.configure({ mode: 'serial' });
test.setTimeout(180_000);

const source = fixtureRepo('php-app');
const git = gitServer('berth-host-1');
let url: string;
test.beforeAll(() => {
  url = git.createRepo('vault', source.dir).scpUrl;
  git.authorize([]); // the git host knows no key yet
});
test.afterAll(() => {
  git.remove();
  source.remove();
});

test('private repository: the first deploy names the key to add; with it added, both hosts serve the app', async ({ page }) => {
  await signInPage(page, OWNER);
  await createApp(page, { name: 'Vault', slug: 'vault', kind: 'php', domains: 'vault.test', repository: url, servers: ['web-1', 'web-2'] });
  await expect(page.getByRole('heading', { name: 'Vault' })).toBeVisible();
  const appId = /\/apps\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  await waitForAppRun(page, 'web-1', null);
  await waitForAppRun(page, 'web-2', null);

  // The key is not on the git host yet: the release says which key to add, and where, not ssh's stderr.
  expect(await clickDeploy(page)).toBe('failed');
  const error = page.getByTestId('release').getByRole('alert');
  await expect(error).toContainText('read-only deploy key');
  const named = /deploy key (SHA256:[A-Za-z0-9+/]{43})/.exec((await error.textContent()) ?? '')?.[1];
  expect(named).toBeTruthy();
  await expect(error).not.toContainText('Permission denied');

  // The Settings tab shows that key and the git host's key, pinned on this first fetch.
  await page.goto(`/apps/${appId}/settings`);
  const card = page.getByTestId('deploy-key-card');
  await expect(card.getByTestId('deploy-key-fingerprint')).toHaveText(named!);
  await expect(card.getByTestId('git-host-key')).toContainText(testHost('berth-host-1').hostKeyFingerprint);
  const publicKey = ((await card.getByTestId('deploy-key-public').textContent()) ?? '').trim();
  expect(publicKey).toMatch(/^ssh-ed25519 \S+ berth-deploy-vault$/);

  // What the operator does on GitHub: add the shown key as a deploy key. Then deploy again.
  git.authorize([publicKey]);
  await openApp(page, 'Vault');
  expect(await clickDeploy(page)).toBe('succeeded');
  for (const host of ['berth-host-1', 'berth-host-2'] as const)
    expect((await getWithHost(testHost(host).address, 'vault.test')).body).toContain(`fixture release ${source.head()}`);
});

// Issue 19's "Done when": deleting that app leaves nothing of it on either host. What is checked
// (user, group, processes, directories, vhost, pool and socket, supervisor programs, cron, certs,
// access logs) is listed in test-support/app-leftovers.ts.
test('deleting the private-repository app leaves nothing of it on either host', async ({ page }) => {
  await signInPage(page, OWNER);
  const { servers } = await deleteAppInUi(page, 'Vault', 'vault');
  expect(servers).toEqual(['web-1', 'web-2']);
  for (const name of ['berth-host-1', 'berth-host-2'] as const) {
    const target = testTarget(testHost(name));
    await getConnection(target);
    try {
      expect(await appLeftovers(new SshTransport(target), 'vault')).toEqual([]);
    } finally {
      await closeConnection(target.id);
    }
  }
});

import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { openApp, openTab } from './apps-fixtures';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { OWNER, signInPage } from './fixtures';

// Runs after apps.spec and releases.spec in the "apps" project: Shop exists on web-1 (web + worker)
// and web-2 (worker). Shop was made without a repository, and a release needs one, so this spec
// gives it the fixture repository first, as an operator would in the settings.
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const repo = fixtureRepo('php-app');
test.afterAll(() => repo.remove());

const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Saves Shop's repository and waits for the configure runs that saving starts to end, whatever their outcome. */
async function setRepository(page: Page, dir: string) {
  const runs = page.locator('[data-testid^="app-server-"] [data-testid="run"]');
  const before = await runs.evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));
  const settings = page.getByRole('form', { name: 'App settings' });
  await settings.getByLabel('Repository').fill(dir);
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await expect(page.getByText('Saved; configuring')).toBeVisible();
  for (let i = 0; i < before.length; i++) {
    await expect(runs.nth(i)).not.toHaveAttribute('data-run-id', before[i] ?? '-', { timeout: 30_000 });
    await expect(runs.nth(i)).toHaveAttribute('data-status', /succeeded|failed|interrupted/, { timeout: 120_000 });
  }
}

test('webhook: a signed delivery deploys (202 with the release), a replay gets 409, a wrong signature 401', async ({
  page,
  request,
  baseURL,
}) => {
  await signInPage(page, OWNER);
  await openApp(page, 'Shop', 'Settings');
  const appId = new URL(page.url()).pathname.split('/')[2]!;
  await setRepository(page, repo.dir);

  // The admin makes the secret in the card; it is shown once.
  await openTab(page, 'Deployments');
  const card = page.getByTestId('webhook-card');
  await expect(card).toHaveAttribute('data-has-secret', 'no');
  await card.getByRole('button', { name: 'Create secret' }).click();
  const shown = card.getByTestId('webhook-secret');
  await expect(shown).toBeVisible();
  const secret = (await shown.textContent())!.trim();
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expect(card).toHaveAttribute('data-has-secret', 'yes');
  const hookUrl = new URL((await card.getByTestId('webhook-url').textContent())!.trim());
  expect(hookUrl.pathname).toBe(`/api/apps/${appId}/deploy`);
  await expect(card.getByTestId('webhook-example')).toContainText('openssl dgst -sha256 -hmac');

  // `request` carries no session cookie: the signature alone authorizes a delivery.
  const post = (body: string, signature: string) =>
    request.post(hookUrl.pathname, {
      data: Buffer.from(body),
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature },
    });

  const body = JSON.stringify({ branch: 'main', timestamp: now(), id: 'e2e-webhook-1' });
  const forged = await post(body, sign(body, 'not-the-secret'));
  expect(forged.status()).toBe(401);
  expect((await forged.json()).error).toContain('does not match');
  const stale = JSON.stringify({ branch: 'main', timestamp: now() - 3600 });
  const late = await post(stale, sign(stale, secret));
  expect(late.status()).toBe(401);
  expect((await late.json()).error).toMatch(/within 5 minutes/);
  expect((await request.get(hookUrl.pathname)).status()).toBe(405);

  const accepted = await post(body, sign(body, secret));
  expect(accepted.status(), await accepted.text()).toBe(202);
  const { release, url } = (await accepted.json()) as { release: string; url: string };
  expect(release).toMatch(/^[0-9a-f-]{36}$/);
  expect(url).toBe(`${baseURL}/apps/${appId}/releases/${release}`);

  const replayed = await post(body, sign(body, secret));
  expect(replayed.status()).toBe(409);
  expect((await replayed.json()).error).toBe('This delivery was already accepted');

  // The release is real: its page shows it, and it runs to an end on the test hosts.
  await page.goto(new URL(url).pathname);
  await expect(page.getByRole('heading', { name: /^Release #\d+$/ })).toBeVisible();
  const shownRelease = page.getByTestId('release');
  await expect(shownRelease).toHaveAttribute('data-status', /succeeded|failed|rolled_back|interrupted/, { timeout: 180_000 });
  test.info().annotations.push({ type: 'webhook release', description: (await shownRelease.getAttribute('data-status')) ?? '' });

  // Still a replay once the release is over.
  expect((await post(body, sign(body, secret))).status()).toBe(409);
});

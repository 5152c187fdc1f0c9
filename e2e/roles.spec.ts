import { expect, test, type Browser } from '@playwright/test';
import { captureActionRequest, OWNER, signIn, signInPage, VIEWER } from './fixtures';

test.describe.configure({ mode: 'serial' });

async function asUser(browser: Browser, user: { email: string; password: string }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInPage(page, user);
  return { context, page };
}

test('the owner adds a viewer through the form, with every field error shown first', async ({ page }) => {
  await signInPage(page, OWNER);
  await page.goto('/settings');
  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('Name').fill(VIEWER.name);
  await form.getByLabel('Email').fill('bad@');
  await form.getByLabel('Initial password').fill('short');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(form.getByText('Enter a valid email address')).toBeVisible();
  await expect(form.getByText('Password must be at least 12 characters')).toBeVisible();

  await form.getByLabel('Email').fill(VIEWER.email);
  await form.getByLabel('Initial password').fill(VIEWER.password);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText('User added')).toBeVisible();
  await expect(page.getByTestId(`user-${VIEWER.email}`)).toContainText(VIEWER.name);
});

test('a viewer sees no admin pages: no Activity link, a 403 page, no user list', async ({ browser }) => {
  const { page, context } = await asUser(browser, VIEWER);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' })).toHaveCount(0);
  const res = await page.goto('/activity');
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await page.goto('/settings');
  await expect(page.getByText('Your account')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Add a user' })).toHaveCount(0);
  await context.close();
});

test('a viewer posting straight to the add-user action gets 403 and changes nothing', async ({ page, browser }) => {
  await signInPage(page, OWNER);
  await page.goto('/settings');
  const form = page.getByRole('form', { name: 'Add a user' });
  const request = await captureActionRequest(page, async () => {
    await form.getByLabel('Name').fill('Mallory');
    await form.getByLabel('Email').fill('mallory@berth.test');
    await form.getByLabel('Initial password').fill('mallory-password-1');
    await form.getByLabel('Role').selectOption('owner');
    await form.getByRole('button', { name: 'Add user' }).click();
  });

  const viewer = await browser.newContext({ baseURL: new URL(page.url()).origin });
  await signIn(viewer.request, VIEWER);
  const { cookie: _ownerCookie, ...headers } = request.headers;
  const res = await viewer.request.post(request.url, { headers, data: request.body });
  expect(res.status()).toBe(403);
  await viewer.close();

  await page.reload();
  await expect(page.getByTestId(`user-${VIEWER.email}`)).toBeVisible();
  await expect(page.getByTestId('user-mallory@berth.test')).toHaveCount(0);
  await page.goto('/activity?outcome=denied&action=user.create');
  await expect(page.getByTestId('audit-row').first()).toContainText(VIEWER.email);
  await expect(page.getByTestId('audit-row').first()).toContainText('requires admin, has viewer');
});

test('disabling a user ends their open session at once; enabling lets them back in', async ({ page, browser }) => {
  const viewer = await asUser(browser, VIEWER);
  await signInPage(page, OWNER);
  await page.goto('/settings');
  const row = page.getByTestId(`user-${VIEWER.email}`);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.getByText('disabled', { exact: true })).toBeVisible();

  await viewer.page.goto('/settings');
  await expect(viewer.page).toHaveURL(/\/login\?next=%2Fsettings$/);
  const refused = await viewer.page.request.post('/api/login', { data: { email: VIEWER.email, password: VIEWER.password } });
  expect(refused.status()).toBe(401);

  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(row.getByText('disabled', { exact: true })).toHaveCount(0);
  await signInPage(viewer.page, VIEWER);
  await viewer.context.close();
});

test('a password reset by an admin ends the user’s sessions', async ({ page, browser }) => {
  const viewer = await asUser(browser, VIEWER);
  await signInPage(page, OWNER);
  await page.goto('/settings');
  const row = page.getByTestId(`user-${VIEWER.email}`);
  await row.getByText('Reset password').click();
  await row.getByLabel('New password').fill(VIEWER.password); // same value: the sessions end regardless
  await row.getByRole('button', { name: 'Set' }).click();
  await expect(page.getByText('Password reset; their sessions ended')).toBeVisible();
  await viewer.page.goto('/');
  await expect(viewer.page).toHaveURL(/\/login$/);
  await viewer.context.close();
});

import { expect, test } from '@playwright/test';
import { OWNER, readSetupUrl } from './fixtures';

test.describe.configure({ mode: 'serial' });

test('before setup, the login page points to the one-time link', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText('This panel has no owner yet')).toBeVisible();
});

test('a wrong setup token is refused', async ({ page }) => {
  await page.goto('/setup?token=not-the-token');
  await expect(page.getByText('This setup link is invalid')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Create the owner account' })).toHaveCount(0);
});

test('the setup link creates the owner, who lands on the empty panel', async ({ page }) => {
  await page.goto(readSetupUrl());
  const form = page.getByRole('form', { name: 'Create the owner account' });
  // Every field error at once, and nothing created.
  await form.getByLabel('Your name').fill(OWNER.name);
  await form.getByLabel('Email').fill('not-an-email');
  await form.getByLabel('Password', { exact: true }).fill('short');
  await form.getByLabel('Repeat the password').fill('different');
  await form.getByRole('button', { name: 'Create owner account' }).click();
  await expect(form.getByText('Enter a valid email address')).toBeVisible();
  await expect(form.getByText('Password must be at least 12 characters')).toBeVisible();
  await expect(form.getByText('The passwords do not match')).toBeVisible();

  await form.getByLabel('Email').fill(OWNER.email);
  await form.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await form.getByLabel('Repeat the password').fill(OWNER.password);
  await form.getByRole('button', { name: 'Create owner account' }).click();

  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText('Nothing deployed yet')).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const item of ['Overview', 'Servers', 'Apps', 'Activity', 'Settings']) {
    await expect(nav.getByRole('link', { name: item })).toBeVisible();
  }
  await nav.getByRole('link', { name: 'Servers' }).click();
  await expect(page.getByText('No servers yet')).toBeVisible();
});

test('the setup link stops working once the owner exists', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(readSetupUrl());
  await expect(page.getByText('This setup link is invalid')).toBeVisible();
});

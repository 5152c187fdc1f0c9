import { expect, test } from '@playwright/test';
import { addUserViaForm, OWNER, signInPage } from './fixtures';

const AUDITED = { name: 'Audrey', email: 'audrey@berth.test', password: 'audrey-password-1' };

test('the owner reads and filters the audit trail', async ({ page }) => {
  // Make the events this test looks for: a refused login and a created user.
  const bad = await page.request.post('/api/login', { data: { email: AUDITED.email, password: 'guess' } });
  expect(bad.status()).toBe(401);
  await signInPage(page, OWNER);
  await addUserViaForm(page, AUDITED);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
  await expect(page.getByRole('heading', { name: 'Activity' })).toBeVisible();
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: 'setup.owner' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'user.create' }).filter({ hasText: 'success' }).first()).toBeVisible();
  await expect(
    rows.filter({ hasText: 'auth.login' }).filter({ hasText: AUDITED.email }).filter({ hasText: 'unknown account' }),
  ).toHaveCount(1);

  await page.getByLabel('Outcome').selectOption('failure');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/outcome=failure/);
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allInnerTexts()) expect(text).toContain('failure');

  await page.getByLabel('Who').fill(AUDITED.email);
  await page.getByLabel('Outcome').selectOption('');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('unknown account');

  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(page).toHaveURL(/\/activity$/);
});

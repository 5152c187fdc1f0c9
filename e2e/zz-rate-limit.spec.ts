import { expect, test } from '@playwright/test';
import { addUserViaForm, OWNER, signInPage } from './fixtures';

// Runs last (file order): it locks an account, and every failure also counts against 127.0.0.1.
const TARGET = { name: 'Target', email: 'target@berth.test', password: 'target-password-123' };

test('five wrong passwords lock the account with 429 and Retry-After, even for the right one', async ({ page, browser }) => {
  await signInPage(page, OWNER);
  await addUserViaForm(page, TARGET);

  const anon = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const login = await anon.newPage();
  await login.goto('/login');
  for (let i = 0; i < 5; i++) {
    const res = await login.request.post('/api/login', { data: { email: TARGET.email, password: `wrong-${i}` } });
    expect(res.status()).toBe(401);
  }
  const limited = await login.request.post('/api/login', { data: { email: TARGET.email, password: TARGET.password } });
  expect(limited.status()).toBe(429);
  const retryAfter = Number(limited.headers()['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(30);

  // The form says so in words.
  await login.getByLabel('Email').fill(TARGET.email);
  await login.getByLabel('Password').fill(TARGET.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await expect(login.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toContainText('Too many attempts. Try again in');
  await anon.close();

  // Another account is not locked by it.
  await signInPage(page, OWNER);
});

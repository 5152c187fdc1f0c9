import { expect, test } from '@playwright/test';
import { encode } from 'next-auth/jwt';
import { authSecret, OWNER, signInPage } from './fixtures';

const COOKIE = 'authjs.session-token';

test('sign in with the keyboard only, then sign out; a copy of the cookie is refused after', async ({ page, context, browser }) => {
  await page.goto('/login');
  await page.keyboard.type(OWNER.email); // the email field has focus on load
  await page.keyboard.press('Tab');
  await page.keyboard.type(OWNER.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  const copied = (await context.cookies()).find((c) => c.name === COOKIE)!;

  await page.locator('header summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);

  // Logout ended the session on the server, not only in this browser: the stolen copy gets nothing.
  const thief = await browser.newContext();
  try {
    await thief.addCookies([copied]);
    const stolen = await thief.newPage();
    await stolen.goto('/settings');
    await expect(stolen).toHaveURL(/\/login\?next=%2Fsettings$/);
  } finally {
    await thief.close();
  }
});

test('a wrong password and an unknown email get the same answer', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
  await expect(alert).toHaveText('Wrong email or password.');

  await page.getByLabel('Email').fill('nobody@berth.test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(alert).toHaveText('Wrong email or password.');
  const res = await page.request.post('/api/login', { data: { email: 'nobody@berth.test', password: 'x' } });
  expect(res.status()).toBe(401);
  expect(await res.json()).toEqual({ error: 'Wrong email or password.' });
});

test('a sign-in posted from another site is refused', async ({ request }) => {
  const res = await request.post('/api/login', {
    headers: { origin: 'https://evil.example' },
    data: { email: OWNER.email, password: OWNER.password },
  });
  expect(res.status()).toBe(403);
});

test('a tampered session cookie signs you out', async ({ page, context }) => {
  await signInPage(page, OWNER);
  const cookie = (await context.cookies()).find((c) => c.name === COOKIE)!;
  const flipped = cookie.value.slice(0, -4) + (cookie.value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await context.addCookies([{ ...cookie, value: flipped }]);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
});

test('an expired session cookie, even correctly signed, signs you out', async ({ page, context }) => {
  await signInPage(page, OWNER);
  const cookie = (await context.cookies()).find((c) => c.name === COOKIE)!;
  const me = await page.request.get('/settings');
  expect(me.status()).toBe(200);
  const expired = await encode({ token: { uid: 1, sv: 0, sub: '1' }, secret: authSecret(), salt: COOKIE, maxAge: -60 });
  await context.addCookies([{ ...cookie, value: expired }]);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
});

test('a forged x-middleware-subrequest header bypasses nothing', async ({ request }) => {
  const header = { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' };
  const res = await request.get('/settings', { headers: header, maxRedirects: 0 });
  expect(res.status()).toBe(307);
  expect(res.headers().location).toMatch(/\/login\?next=%2Fsettings$/);
  const activity = await request.get('/activity', { headers: header });
  expect(await activity.text()).not.toContain('append-only');
});

import { expect, type Page, test } from '@playwright/test';
import { type TOTP, URI } from 'otpauth';
import { addUserViaForm, OWNER, signIn, signInPage } from './fixtures';

// A user of its own: the owner the other specs sign in as never gets a second factor.
const TFA = { name: 'Tess Twofactor', email: 'twofactor@berth.test', password: 'twofactor-password-1' };

/** Forgets this browser's session (the sign-out button itself is auth.spec's). */
async function signOut(page: Page) {
  await page.context().clearCookies();
}

/** Email and password on the login form, then the code step. */
async function passwordStep(page: Page) {
  await page.getByLabel('Email').fill(TFA.email);
  await page.getByLabel('Password').fill(TFA.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function codeStep(page: Page, code: string) {
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('two-factor sign-in: enrol, a wrong code, a right one, the same one again, a recovery code, and back to the page asked for', async ({
  page,
  browser,
}) => {
  await signIn(page.request, OWNER);
  await addUserViaForm(page, TFA, 'viewer');

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const me = await context.newPage();
  await signInPage(me, TFA);
  await me.goto('/settings');
  await me.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const totp = URI.parse((await me.getByTestId('totp-uri').textContent()) ?? '') as TOTP;
  await expect(me.getByRole('img', { name: 'QR code of the authenticator key' })).toBeVisible();
  await me.getByLabel('Code from the app').fill('000000');
  await me.getByRole('button', { name: 'Turn on' }).click();
  await expect(me.getByRole('form', { name: 'Confirm two-factor sign-in' }).getByRole('alert').first()).toContainText('not right');
  await me.getByLabel('Code from the app').fill(totp.generate());
  await me.getByRole('button', { name: 'Turn on' }).click();
  // allTextContents does not wait: the codes appear once the action has answered.
  await expect(me.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  const recovery = (await me.getByTestId('recovery-codes').locator('li').allTextContents()).map((c) => c.trim());
  expect(recovery).toHaveLength(10);
  await me.getByRole('button', { name: 'Done' }).click();
  await expect(me.getByTestId('two-factor-status')).toContainText('10 of 10 recovery codes left');
  await signOut(me);

  // A deep page while signed out: the login page carries it and returns there.
  await me.goto('/servers?from=two-factor');
  await expect(me).toHaveURL(/\/login\?next=%2Fservers%3Ffrom%3Dtwo-factor$/);
  await passwordStep(me);
  await codeStep(me, '123456');
  await expect(me.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText('That code is not right, or was already used.');
  // Enrolment spent the current step: the next one is inside the ±1 drift window and not spent yet.
  const code = totp.generate({ timestamp: Date.now() + 30_000 });
  await codeStep(me, code);
  await expect(me).toHaveURL(/\/servers\?from=two-factor$/);
  await signOut(me);

  await me.goto('/login');
  await passwordStep(me);
  await codeStep(me, code);
  await expect(me.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText('That code is not right, or was already used.');
  expect(me.url()).toMatch(/\/login$/);

  // A recovery code works once; a next= that points off the panel is ignored.
  await me.goto('/login?next=%2F%2Fevil.example');
  await passwordStep(me);
  await codeStep(me, recovery[0]!);
  await expect(me.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await context.close();
});

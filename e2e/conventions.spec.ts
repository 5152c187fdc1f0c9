import { expect, test } from '@playwright/test';
import { baseURL } from '../playwright.config';
import { OWNER, recordViolations, signIn, signInPage } from './fixtures';

/**
 * Next.js conventions as a browser meets them, under the panel's nonce CSP: page titles, the
 * not-found page, the error boundary and its retry (hydrated, so its scripts ran), a form-wide
 * error shown inline, and the run stream's own access check.
 */
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

test('pages are titled, and an unknown page or server is a hydrated 404 page, with no CSP violation', async ({ page }) => {
  const violations = await recordViolations(page);
  await signInPage(page, OWNER);
  await expect(page).toHaveTitle('Overview · Berth');
  // A server's own title ("web-1 · Berth") is checked where servers exist (servers.spec.ts).
  for (const path of ['/no-such-page', `/servers/${UNKNOWN}`]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
    await expect(page).toHaveTitle('Not found · Berth');
  }
  // The link routes on the client (no document load), which only a hydrated page does.
  let documents = 0;
  page.on('request', (r) => {
    if (r.resourceType() === 'document') documents++;
  });
  await page.getByRole('link', { name: 'Back to the overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  expect(documents).toBe(0);
  expect(violations).toEqual([]);
});

test('a form-wide error shows inline in its form; field errors stay beside their fields', async ({ page }) => {
  await signIn(page.request, OWNER);
  await page.goto('/settings');
  const add = page.getByRole('form', { name: 'Add a user' });
  await add.getByLabel('Name').fill('Conny Conventions');
  await add.getByLabel('Email').fill(OWNER.email);
  await add.getByLabel('Initial password').fill('conventions-password-1');
  await add.getByRole('button', { name: 'Add user' }).click();
  // Told beside the field (its summary goes to a toast), not a second time in the form; what was typed stays.
  await expect(add.getByText('Already in use')).toBeVisible();
  await expect(add.getByTestId('form-error')).toHaveCount(0);
  await expect(add.getByLabel('Name')).toHaveValue('Conny Conventions');
  await add.getByLabel('Email').fill('conny@berth.test');
  await add.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText('User added')).toBeVisible();

  // A form-wide refusal has no field to sit beside: a user removed meanwhile (here, an id that never existed).
  const role = page.getByRole('form', { name: 'Role of conny@berth.test' });
  await role.locator('input[name="userId"]').evaluate((input: HTMLInputElement) => {
    input.value = '2147483000';
  });
  await role.getByRole('combobox').selectOption('deployer');
  await role.getByRole('button', { name: 'Save role' }).click();
  const error = role.getByTestId('form-error');
  await expect(error).toHaveText('That user does not exist.');
  await expect(error).toHaveAttribute('role', 'alert');
});

test('the run stream refuses a signed-out request and a malformed or unknown run', async ({ playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const signedIn = await playwright.request.newContext({ baseURL });
  try {
    const refused = await anonymous.get(`/api/runs/${UNKNOWN}/events`);
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toEqual({ error: 'Sign in to follow this run.' });
    await signIn(signedIn, OWNER);
    for (const id of ['not-a-uuid', UNKNOWN]) expect((await signedIn.get(`/api/runs/${id}/events`)).status(), id).toBe(404);
  } finally {
    await anonymous.dispose();
    await signedIn.dispose();
  }
});

test('a page that fails in the browser shows the panel error page, and Try again brings the page back', async ({ page }) => {
  const violations = await recordViolations(page);
  await signIn(page.request, OWNER);
  await page.goto('/servers/new');
  // The fault: the add-server form's state update throws while rendering (what a bug in a client
  // component does). Injected through React's own fiber of that form, the first component above
  // the key radio holding a boolean state.
  await page.getByLabel('Paste an existing private key').evaluate((input) => {
    type Hook = { memoizedState: unknown; queue?: { dispatch?(update: () => never): void } | null; next: Hook | null };
    type Fiber = { memoizedState: unknown; return: Fiber | null; tag: number };
    const key = Object.keys(input).find((k) => k.startsWith('__reactFiber$'));
    const booleanState = (fiber: Fiber): Hook | null => {
      // Function components (tag 0) keep their hooks as a list in memoizedState.
      if (fiber.tag !== 0) return null;
      for (let hook = fiber.memoizedState as Hook | null; hook; hook = hook.next)
        if (typeof hook.memoizedState === 'boolean' && hook.queue?.dispatch) return hook;
      return null;
    };
    let fiber = key ? ((input as unknown as Record<string, Fiber>)[key] ?? null) : null;
    while (fiber && !booleanState(fiber)) fiber = fiber.return;
    if (!fiber) throw new Error('no component with a boolean state above the radio');
    booleanState(fiber)!.queue!.dispatch!(() => {
      throw new Error('fault injected by conventions.spec');
    });
  });
  const boundary = page.getByTestId('page-error');
  await expect(boundary).toBeVisible();
  await expect(boundary.getByRole('heading', { name: 'This page could not be shown' })).toBeVisible();
  // Inside the panel: its navigation stays.
  await expect(page.getByRole('link', { name: 'Servers' }).first()).toBeVisible();
  await boundary.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('form', { name: 'Add a server' })).toBeVisible();
  await expect(boundary).toHaveCount(0);
  expect(violations).toEqual([]);
});

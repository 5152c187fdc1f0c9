import http from 'node:http';
import { expect, test } from '@playwright/test';
import { addUserViaForm, OWNER, signInPage } from './fixtures';

// Runs last (file order): it locks 127.0.0.1 out of the target account.
const TARGET = { name: 'Target', email: 'target@berth.test', password: 'target-password-123' };
// Two real peers: Linux answers on all of 127/8, so a client can send from either address.
const ATTACKER = '127.0.0.2';
const OWNER_DEVICE = '127.0.0.3';

type Reply = { status: number; retryAfter: number };

/** POSTs to the login form's endpoint from the given local address (Playwright's request context cannot choose one). */
function login(baseURL: string, from: string, user: { email: string; password: string }, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ email: user.email, password: user.password });
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(
      new URL('/api/login', baseURL),
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 0) }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`login from ${from} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

test('guessing from one address gets 429 with Retry-After, but does not keep the owner out from another', async ({
  page,
  browser,
  baseURL,
}) => {
  await signInPage(page, OWNER);
  await addUserViaForm(page, TARGET);
  const origin = baseURL!;

  // The attacker claims the owner's address in X-Forwarded-For: without BERTH_TRUST_PROXY it counts for nothing.
  const claimsOwner = { 'x-forwarded-for': OWNER_DEVICE };
  for (let i = 0; i < 5; i++) {
    expect((await login(origin, ATTACKER, { email: TARGET.email, password: `wrong-${i}` }, claimsOwner)).status).toBe(401);
  }
  // The failures landed on the attacker's own address: it is refused even the right password,
  // with or without a forged address that never failed.
  const forgedFresh: Record<string, string> = { 'x-forwarded-for': '127.0.0.9' };
  for (const headers of [{}, forgedFresh]) {
    const limited = await login(origin, ATTACKER, TARGET, headers);
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBeGreaterThan(0);
    expect(limited.retryAfter).toBeLessThanOrEqual(30);
  }
  // The owner, from the address the attacker named, gets in.
  expect((await login(origin, OWNER_DEVICE, TARGET)).status).toBe(200);

  // The form says so in words, once its own address (127.0.0.1) has guessed too often.
  const anon = await browser.newContext({ baseURL: origin });
  const form = await anon.newPage();
  await form.goto('/login');
  for (let i = 0; i < 5; i++) {
    const res = await form.request.post('/api/login', { data: { email: TARGET.email, password: `wrong-${i}` } });
    expect(res.status()).toBe(401);
  }
  await form.getByLabel('Email').fill(TARGET.email);
  await form.getByLabel('Password').fill(TARGET.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toContainText('Too many attempts. Try again in');
  await anon.close();

  // Another account from the same address is not locked by it.
  await signInPage(page, OWNER);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { baseURL } from '../playwright.config';
import { OWNER, recordViolations } from './fixtures';

/**
 * The security headers (lib/http/security-headers.ts) as a browser sees them: another site
 * cannot frame the panel, and the panel's own pages run under the nonce CSP without a single
 * violation (a script without the nonce would be blocked and the page would never hydrate).
 */

/** A page on another origin (same host, another port) that frames the panel's login page and, as a control, one of its own. */
async function otherSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    if (req.url === '/own') return void res.end('<p id="own">framed fine</p>');
    res.end(`<!doctype html><h1>Not the panel</h1>
      <iframe name="own" src="/own"></iframe>
      <iframe name="panel" src="${baseURL}/login"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('another site cannot frame the panel', async ({ page }) => {
  const site = await otherSite();
  try {
    const panelAnswered = page.waitForResponse((r) => r.url() === `${baseURL}/login`);
    // goto resolves on the parent's load event, which waits for both frames to finish (or fail).
    await page.goto(site.url);
    // The control frame loads, so framing works here and the block below is the panel's doing.
    await expect(page.frameLocator('iframe[name=own]').locator('#own')).toHaveText('framed fine');
    // Chromium swaps a frame it refused for its own error page: the panel's document never commits.
    expect(page.frame({ name: 'panel' })!.url()).toMatch(/^chrome-error:/);
    await expect(page.frameLocator('iframe[name=panel]').getByRole('form', { name: 'Sign in' })).toHaveCount(0);
    // The panel did answer; its headers refused the framing (CSP frame-ancestors, and this for older browsers).
    expect((await panelAnswered).headers()['x-frame-options']).toBe('DENY');
  } finally {
    await site.close();
  }
});

test('the login page and panel pages work under the CSP, with no violation', async ({ page }) => {
  const violations = await recordViolations(page);
  const login = await page.goto('/login');
  const headers = login!.headers();
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  // The test panel is plain http: no HSTS.
  expect(headers['strict-transport-security']).toBeUndefined();

  // Hydrated: the form's own submit handler posts JSON and routes on the client. Without
  // React, the browser would submit the form natively (a GET to /login?email=…) instead.
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();

  // A client-side navigation (the marker survives: no full page load) fetches the RSC payload.
  await page.evaluate(() => Object.assign(window, { __berthNoReload: true }));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  const form = page.getByRole('form', { name: 'Add a user' });
  await expect(form).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __berthNoReload?: boolean }).__berthNoReload)).toBe(true);

  // A server action round trip, its field errors rendered by React; nothing is created.
  await form.getByLabel('Name').fill('Nobody');
  await form.getByLabel('Email').fill('bad@');
  await form.getByLabel('Initial password').fill('short');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(form.getByText('Password must be at least 12 characters')).toBeVisible();

  expect(violations).toEqual([]);
});

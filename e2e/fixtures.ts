import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const dataDir = process.env.BERTH_E2E_DATA_DIR ?? path.join(os.tmpdir(), 'berth-e2e');
export const usesPostgres = Boolean(process.env.DATABASE_URL);
/** The panel's stdout and stderr, and its BERTH_COMMAND_TRACE file (playwright.config.ts derives the same paths). */
export const panelLogFile = `${dataDir}.panel.log`;
export const commandTraceFile = `${dataDir}.commands.log`;

export const OWNER = { name: 'Olive Owner', email: 'owner@berth.test', password: 'owner-password-123' };
export const VIEWER = { name: 'Vic Viewer', email: 'viewer@berth.test', password: 'viewer-password-123' };

export function readSetupUrl(): string {
  return fs.readFileSync(path.join(dataDir, 'setup-url'), 'utf8').trim();
}

/** The secret the panel signs sessions with: from the env on Postgres, from the data dir on PGlite. */
export function authSecret(): string {
  return process.env.AUTH_SECRET ?? fs.readFileSync(path.join(dataDir, 'auth.secret'), 'utf8').trim();
}

/** Signs in through the same JSON endpoint the login form uses; cookies land in the page's context. */
export async function signIn(request: APIRequestContext, user: { email: string; password: string }) {
  const res = await request.post('/api/login', { data: { email: user.email, password: user.password } });
  expect(res.status(), await res.text()).toBe(200);
}

export async function signInPage(page: Page, user: { email: string; password: string }) {
  await signIn(page.request, user);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
}

export type CapturedAction = { url: string; headers: Record<string, string>; body: Buffer };

/**
 * Submits a form in the browser but stops its server-action request before it leaves, and
 * returns it exactly as React encoded it: a test can replay it with someone else's cookies.
 */
export async function captureActionRequest(page: Page, submit: () => Promise<void>): Promise<CapturedAction> {
  let captured: CapturedAction | undefined;
  await page.route('**/*', async (route) => {
    const request = route.request();
    // fallback, not continue: a context-level route (the canary test's response log) still sees the rest.
    if (request.method() !== 'POST' || !request.headers()['next-action']) return route.fallback();
    captured = { url: request.url(), headers: request.headers(), body: request.postDataBuffer()! };
    await route.abort();
  });
  await submit();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unroute('**/*');
  return captured!;
}

export type NewUser = { name: string; email: string; password: string };

/** Adds a user through the Settings form as whoever `page` is signed in as. */
export async function addUserViaForm(page: Page, user: NewUser, role = 'viewer') {
  await page.goto('/settings');
  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('Name').fill(user.name);
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Initial password').fill(user.password);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText('User added')).toBeVisible();
}

/** Every CSP violation the browser reports, from the DOM event and from the console, across navigations. */
export async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction('__berthCspViolation', (text: string) => violations.push(text));
  // Init scripts come in through the DevTools protocol, which the page's CSP does not govern.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __berthCspViolation: (text: string) => void }).__berthCspViolation;
      void report(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

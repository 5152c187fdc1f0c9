import { expect, test, type Page } from '@playwright/test';
import { openApp, openTab, type AppTab } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';

// Runs after releases.spec in the "apps" project (files in name order): Blog has deploys, a
// rollback and failed releases on web-1 and web-2.
const TABS: AppTab[] = ['Overview', 'Deployments', 'Environment', 'Monitoring', 'Backups', 'Settings'];

/** No page-level horizontal scroll: whatever is wide scrolls inside its own card. */
const noPageOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

test('app tabs: each tab is its own URL with the header and title, the releases table reads and fits at 1400 and 390 px', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await signInPage(page, OWNER);
  await openApp(page, 'Blog');
  const base = new URL(page.url()).pathname;
  await expect(page).toHaveTitle('Blog · Berth');
  const urls = new Map<AppTab, string>();
  for (const tab of TABS) {
    await openTab(page, tab);
    urls.set(tab, new URL(page.url()).pathname);
    // One h1 (the app's), and the primary actions on every tab.
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Blog');
    await expect(page.getByRole('form', { name: 'Deploy', exact: true })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'App sections' }).locator('[aria-current="page"]')).toHaveText(tab);
  }
  expect(new Set(urls.values()).size).toBe(TABS.length);
  expect(urls.get('Overview')).toBe(base);

  // A new app's dashboard opens on the range its data fits (minutes of checks: 1 h, not 24 h).
  await page.goto(urls.get('Monitoring')!);
  await expect(page.getByTestId('range-1h')).toHaveAttribute('aria-current', 'page');

  // The releases table: who started each release and what a rollback went back to; rollback buttons inside the card.
  await page.goto(urls.get('Deployments')!);
  const table = page.getByTestId('releases');
  await expect(table.getByTestId('release-started-by').first()).toContainText(OWNER.email);
  await expect(table).toContainText('→ releases/1');
  const rollback = table.getByRole('button', { name: /Roll back/ }).first();
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: 900 });
    expect(await noPageOverflow(page), `page overflow at ${width} px`).toBe(true);
    await rollback.scrollIntoViewIfNeeded();
    await expect(rollback).toBeInViewport();
  }
  // Every tab at both widths: e2e/layout.spec.ts (screenshots of every page).

  // Bad input: a page that is not a number, negative or past the end is the nearest real page; an unknown tab is a 404.
  await page.goto(urls.get('Deployments')!);
  const rows = await table.getByTestId('release-row').count();
  expect(rows).toBeGreaterThan(2);
  for (const bad of ['abc', '-3', '999', '1.5']) {
    const response = await page.goto(`${urls.get('Deployments')}?page=${bad}`);
    expect(response?.status(), `?page=${bad}`).toBe(200);
    await expect(table.getByTestId('release-row')).toHaveCount(rows);
  }
  expect((await page.goto(`${base}/nope`))?.status()).toBe(404);
  expect((await page.goto('/apps/not-a-uuid/deployments'))?.status()).toBe(404);
});

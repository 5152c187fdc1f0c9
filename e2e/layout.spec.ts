import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import { addUserViaForm, OWNER, signIn, signInPage } from './fixtures';

/**
 * Every page of the panel at a desktop and a phone width, once the earlier projects have filled
 * it (servers, apps with releases and backups, monitors, alerts): a screenshot of each, and no
 * page-level horizontal scroll. Wide tables must scroll inside their card or stack.
 *
 * It signs in as a new admin who has no time zone yet, in a browser set to Kathmandu (UTC+05:45,
 * an offset no default lands on by chance): the first page renders in UTC without a hydration
 * error, the browser's zone is then stored once, and every later page is in it.
 */
const LAYLA = { name: 'Layla Layout', email: 'layla@berth.test', password: 'layla-password-123' };
const ZONE = 'Asia/Kathmandu';
// What the browser reports: Chromium's ICU still says Katmandu, an alias the server accepts too.
const REPORTED = /^Asia\/Kath?mandu$/;
const IN_ZONE = /UTC\+05:45 \(Asia\/Kath?mandu\)$/;
const WIDTHS = [
  { name: 'desktop', width: 1400, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
// A production React build reports hydration mismatches as minified errors #418, #423 and #425.
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;

test.describe.configure({ mode: 'serial' });

type Watch = { errors: string[] };

async function zonedContext(
  browser: Browser,
  baseURL: string,
  width: number,
  height: number,
): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const context = await browser.newContext({ baseURL, timezoneId: ZONE, viewport: { width, height } });
  const page = await context.newPage();
  const watch: Watch = { errors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`${page.url()}: ${e.message}`));
  return { context, page, watch };
}

/** The panel's pages, found from the data the earlier projects made (ids are never guessed). */
async function panelPages(page: Page): Promise<string[]> {
  const firstLink = async (list: string, pattern: RegExp) => {
    await page.goto(list);
    for (const href of await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      if (pattern.test(href)) return href;
    }
    return null;
  };
  const uuid = '[0-9a-f-]{36}';
  const server = await firstLink('/servers', new RegExp(`^/servers/${uuid}$`));
  const app = await firstLink('/apps', new RegExp(`^/apps/${uuid}$`));
  const monitor = await firstLink('/monitors', new RegExp(`^/monitors/${uuid}$`));
  expect(server && app && monitor, 'the earlier projects left a server, an app and a monitor').toBeTruthy();
  // The app's tabs as its own navigation lists them (each tab has its URL), plus the known ones.
  await page.goto(app!);
  const tabs = new Set(['', '/deployments', '/env', '/settings', '/dashboard', '/backups'].map((t) => `${app}${t}`));
  for (const href of await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
    if (new RegExp(`^${app}/[a-z-]+$`).test(href)) tabs.add(href);
  }
  const release = await firstLink(`${app}/deployments`, new RegExp(`^${app}/releases/${uuid}$`));
  const backupRun = await firstLink(`${app}/backups`, new RegExp(`^${app}/backups/${uuid}$`));
  return [
    '/',
    '/servers',
    '/servers/new',
    server!,
    '/apps',
    '/apps/new',
    ...tabs,
    ...(release ? [release] : []),
    ...(backupRun ? [backupRun] : []),
    '/monitors',
    monitor!,
    '/alerts',
    '/backups',
    '/definitions',
    '/activity',
    '/settings',
    '/settings/backup-targets',
  ];
}

/** Elements that stick out past the viewport's right edge: named in the failure, so the fix is findable. */
async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right <= root.clientWidth + 1 || r.width === 0) continue;
      // Only the outermost offender: its children stick out because it does.
      if (el.parentElement && el.parentElement.getBoundingClientRect().right > root.clientWidth + 1) continue;
      culprits.push(
        `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${String(el.className).slice(0, 80)} (right ${Math.round(r.right)})`,
      );
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: culprits.slice(0, 5) };
  });
}

test('a user without a time zone gets the browser’s, without a hydration error; a bad zone is refused', async ({
  page,
  browser,
  baseURL,
}) => {
  await signInPage(page, OWNER);
  await addUserViaForm(page, LAYLA, 'admin');

  const { context, page: layla, watch } = await zonedContext(browser, baseURL!, 1400, 900);
  await signIn(layla.request, LAYLA);
  // First page: rendered in UTC on the server and hydrated in UTC (the zone comes from the user,
  // not the browser), then the browser's zone is stored and the page re-rendered in it.
  await layla.goto('/settings');
  const now = layla.getByTestId('time-zone-now');
  const form = layla.getByRole('form', { name: 'Your time zone' });
  const field = form.getByRole('combobox', { name: 'Time zone' });
  await expect(now).toHaveAttribute('title', IN_ZONE);
  await expect(field).toHaveValue(REPORTED);
  await layla.reload();
  await expect(now).toHaveAttribute('title', IN_ZONE);

  await field.fill('Mars/Olympus_Mons');
  await form.getByRole('button', { name: 'Save time zone' }).click();
  await expect(form.getByText('Choose a time zone from the list')).toBeVisible();
  await layla.reload();
  await expect(field).toHaveValue(REPORTED);

  // A zone set by hand wins over the browser's, which is adopted only while none is stored.
  await field.fill('America/St_Johns');
  await form.getByRole('button', { name: 'Save time zone' }).click();
  await expect(layla.getByText('Time zone saved.')).toBeVisible();
  await layla.reload();
  await expect(now).toHaveAttribute('title', /UTC-0[23]:30 \(America\/St_Johns\)$/);
  await field.fill(ZONE);
  await form.getByRole('button', { name: 'Save time zone' }).click();
  await expect(layla.getByText('Time zone saved.')).toBeVisible();

  expect(watch.errors.filter((e) => HYDRATION.test(e))).toEqual([]);
  await context.close();
});

test('every page at 1400 px and 390 px: a screenshot, and no page-level horizontal scroll', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  let pages: string[] = [];
  for (const size of WIDTHS) {
    const { context, page, watch } = await zonedContext(browser, baseURL!, size.width, size.height);
    await page.goto('/login');
    await shoot(page, testInfo.outputPath(`${size.name}-login.jpeg`), size.name, '/login');
    await signIn(page.request, LAYLA);
    if (pages.length === 0) pages = await panelPages(page);
    for (const path of pages) {
      const res = await page.goto(path);
      expect.soft(res?.status(), `${path} answers`).toBe(200);
      await shoot(
        page,
        testInfo.outputPath(`${size.name}-${path === '/' ? 'overview' : path.slice(1).replace(/\//g, '_')}.jpeg`),
        size.name,
        path,
      );
    }
    expect
      .soft(
        watch.errors.filter((e) => HYDRATION.test(e)),
        `hydration errors at ${size.width} px`,
      )
      .toEqual([]);
    await context.close();
  }
});

async function shoot(page: Page, file: string, width: string, path: string) {
  await page.waitForLoadState('load');
  // JPEG: a full-page PNG of a long page takes seconds to encode; these are for people to look at.
  await page.screenshot({ path: file, fullPage: true, type: 'jpeg', quality: 70, animations: 'disabled' });
  const o = await overflow(page);
  expect
    .soft(o.scrollWidth, `${path} at ${width}: page wider than the screen; sticking out: ${o.culprits.join(', ')}`)
    .toBeLessThanOrEqual(o.clientWidth);
}

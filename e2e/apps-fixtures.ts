import { expect, type Page } from '@playwright/test';

// Steps the app specs share: create an app in the form, open it, follow its configure runs.

/** Waits for the app's run on a server to be a new one, and finished; expects it to end as `outcome`. */
export async function waitForAppRun(page: Page, serverName: string, previous: string | null, outcome = 'succeeded') {
  const run = page.getByTestId(`app-server-${serverName}`).getByTestId('run');
  await expect(run).not.toHaveAttribute('data-run-id', previous ?? '-', { timeout: 30_000 });
  await expect(run).toHaveAttribute('data-status', /succeeded|failed|interrupted/, { timeout: 120_000 });
  await expect(run).toHaveAttribute('data-status', outcome);
  return run.getAttribute('data-run-id');
}

export const runIdOn = (page: Page, serverName: string) =>
  page.getByTestId(`app-server-${serverName}`).getByTestId('run').getAttribute('data-run-id');

/** The app page's tabs (app/(panel)/apps/[id]/tab-bar.tsx): each its own URL. */
export type AppTab = 'Overview' | 'Deployments' | 'Environment' | 'Monitoring' | 'Backups' | 'Settings';

/** Opens an app from the list, on its Overview or on `tab`. */
export async function openApp(page: Page, name: string, tab?: AppTab) {
  await page.goto('/apps');
  // Exact: "Vault" must not also find "Vault df7b1d…" (each spec names its apps, some as a prefix of another's).
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  if (tab) await openTab(page, tab);
}

/** Clicks one of the open app's tabs and waits until it is the current one. */
export async function openTab(page: Page, tab: AppTab) {
  const link = page.getByRole('navigation', { name: 'App sections' }).getByRole('link', { name: tab, exact: true });
  await link.click();
  await expect(link).toHaveAttribute('aria-current', 'page');
}

export async function createApp(
  page: Page,
  f: {
    name: string;
    slug: string;
    kind: string;
    domains: string;
    phpVersion?: string;
    maxChildren?: string;
    port?: string;
    command?: string;
    repository?: string;
    servers?: string[];
  },
) {
  await page.goto('/apps/new');
  const form = page.getByRole('form', { name: 'Create an app' });
  await form.getByLabel('Kind').selectOption(f.kind);
  await form.getByLabel('Name').fill(f.name);
  await form.getByLabel('Slug').fill(f.slug);
  await form.getByLabel('Domains').fill(f.domains);
  if (f.phpVersion) await form.getByLabel('PHP version').fill(f.phpVersion);
  if (f.maxChildren) await form.getByLabel('PHP-FPM max_children').fill(f.maxChildren);
  if (f.port) await form.getByLabel(/Port it listens on/).fill(f.port);
  if (f.command) await form.getByLabel('Command').fill(f.command);
  if (f.repository) await form.getByLabel('Repository').fill(f.repository);
  for (const server of f.servers ?? ['web-1']) await form.getByLabel(server, { exact: true }).check();
  await form.getByRole('button', { name: 'Create app' }).click();
  return form;
}

/** Waits on the release page until the release ends; returns its status. */
export async function releaseOutcome(page: Page) {
  await expect(page).toHaveURL(/\/apps\/[^/]+\/releases\/[^/]+$/);
  const release = page.getByTestId('release');
  await expect(release).toHaveAttribute('data-status', /succeeded|failed|rolled_back|interrupted/, { timeout: 120_000 });
  return release.getAttribute('data-status');
}

/** Clicks Deploy on the open app page and follows the release to its end. */
export async function clickDeploy(page: Page) {
  await page.getByRole('form', { name: 'Deploy', exact: true }).getByRole('button', { name: 'Deploy', exact: true }).click();
  return releaseOutcome(page);
}

/** A PHP app from `repository` on web-1 and web-2, configured on both and deployed once; returns the app's id. */
export async function deployedPhpApp(page: Page, app: { name: string; slug: string; domain: string }, repository: string) {
  await createApp(page, { name: app.name, slug: app.slug, kind: 'php', domains: app.domain, repository, servers: ['web-1', 'web-2'] });
  await expect(page.getByRole('heading', { name: app.name })).toBeVisible();
  const appId = /\/apps\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  await waitForAppRun(page, 'web-1', null);
  await waitForAppRun(page, 'web-2', null);
  expect(await clickDeploy(page)).toBe('succeeded');
  return appId;
}

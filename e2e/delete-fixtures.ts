import { expect, type Page } from '@playwright/test';
import { openApp } from './apps-fixtures';

/**
 * Deletes an app from its Settings tab (opened unless the page is on it) with the typed slug, and waits for the report shown in
 * place (the app's page no longer exists after). Returns what the report lists as removed, one
 * line per removal ("<step>: <what>"), and the servers it names.
 */
export async function deleteAppInUi(page: Page, appName: string, slug: string) {
  const onIt =
    /\/apps\/[^/]+\/settings$/.test(new URL(page.url()).pathname) &&
    (await page.getByRole('heading', { level: 1 }).textContent()) === appName;
  if (!onIt) await openApp(page, appName, 'Settings');
  const form = page.getByRole('form', { name: 'Delete app' });
  await form.getByLabel(`Type ${slug} to confirm`).fill(slug);
  await form.getByRole('button', { name: 'Delete app' }).click();
  const report = page.getByTestId('delete-report');
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report).toContainText(`${slug} is deleted from every server and from the panel.`);
  return {
    servers: await report.getByTestId('delete-server').evaluateAll((els) => els.map((e) => e.getAttribute('data-server'))),
    removed: await report.getByTestId('delete-removed').allInnerTexts(),
  };
}

import { expect, test } from '@playwright/test';
import { createApp, openTab, waitForAppRun } from './apps-fixtures';
import { deleteAppInUi } from './delete-fixtures';
import { OWNER, signInPage } from './fixtures';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';

// Runs in the "apps" project after the servers spec made web-1 and web-2: an app on both is
// deleted from its Settings tab, and the report lists what went from each.
test('delete: a wrong slug is refused at the field; the typed slug deletes the app from both servers and lists what was removed', async ({
  page,
}) => {
  await signInPage(page, OWNER);
  await createApp(page, { name: 'Doomed', slug: 'doomed', kind: 'static', domains: 'doomed.test', servers: ['web-1', 'web-2'] });
  await expect(page.getByRole('heading', { name: 'Doomed' })).toBeVisible();
  await waitForAppRun(page, 'web-1', null);
  await waitForAppRun(page, 'web-2', null);
  const host = testHost('berth-host-2');
  expect((await getWithHost(host.address, 'doomed.test')).body).toContain('doomed is configured by Berth');

  await openTab(page, 'Settings');
  const form = page.getByRole('form', { name: 'Delete app' });
  await form.getByLabel('Type doomed to confirm').fill('Doomed');
  await form.getByRole('button', { name: 'Delete app' }).click();
  await expect(form.getByText('Type doomed exactly')).toBeVisible();

  const { servers, removed } = await deleteAppInUi(page, 'Doomed', 'doomed');
  expect(servers).toEqual(['web-1', 'web-2']);
  expect(removed).toEqual(
    expect.arrayContaining([expect.stringMatching(/^vhost: vhost removed/), expect.stringMatching(/^app-user: removed user doomed/)]),
  );
  // The host's default site closes the connection for a name it does not serve.
  const after = await getWithHost(host.address, 'doomed.test').then(
    (r) => r.body,
    (err: Error) => err.message,
  );
  expect(after).not.toContain('doomed is configured by Berth');
  await page.goto('/apps');
  await expect(page.getByRole('link', { name: 'Doomed' })).toHaveCount(0);
});

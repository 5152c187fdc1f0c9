import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { clickDeploy, createApp, openTab, waitForAppRun } from './apps-fixtures';
import { OWNER, signInPage } from './fixtures';
import { flipByteIn, localEnv, startS3Target, type S3Target } from '@/test-support/backup-targets';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { startHttpSink, type HttpSink, type SinkRequest } from '@/test-support/fixtures/notify-sinks';
import { getWithHost, hostPath, testHost } from '@/test-support/testbed-hosts';

// Issue 17 in Chromium: a PHP app with a database and uploads, an S3 target (a real s3rver on
// loopback), a policy run to all stages, a drill, a restore into a new database that the app then
// serves, and a corrupted remote copy that the next verification catches and alerts on.
test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

const marker = randomBytes(6).toString('hex');
const slug = `vault-${marker.slice(0, 6)}`;
const APP = { name: `Vault ${marker}`, slug, domain: `${slug}.test` };
const database = `app_${slug.replaceAll('-', '_')}`;
const CANARY = `canary-${marker}-row`;
const UPLOAD = `upload-${marker}-bytes`;
/** A table name is in the backup's manifest (plain JSON) as well as in the compressed dump. */
const CANARY_TABLE = `canary_${marker}`;
const TARGET = `e2e-s3-${marker.slice(0, 4)}`;
const host = testHost('berth-host-1');
const repo = fixtureRepo('php-app');

// The test hosts reach the machine's Postgres on 127.0.0.1 (as the apps spec does).
const psql = (sql: string, db = 'postgres') =>
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { encoding: 'utf8' }).trim();

let s3: S3Target;
let sink: HttpSink;
let appId = '';

test.beforeAll(async () => {
  [s3, sink] = await Promise.all([startS3Target({ port: 4571 }), startHttpSink()]);
});
test.afterAll(async () => {
  await Promise.all([s3?.stop(), sink?.close()]);
  repo.remove();
});

const backupsPage = (page: Page) => page.goto(`/apps/${appId}/backups`);
const notes = async () => (await getWithHost(host.address, APP.domain, '/notes.php')).body;

/** The newest run of a kind, after reloading until it has finished. */
async function finishedRun(page: Page, kind: string): Promise<Locator> {
  const run = page.locator(`[data-testid="backup-run"][data-kind="${kind}"]`).first();
  await expect(async () => {
    await backupsPage(page);
    await expect(run).toHaveAttribute('data-status', /succeeded|failed|interrupted|skipped/, { timeout: 1000 });
  }).toPass({ timeout: 150_000, intervals: [1000, 2000] });
  return run;
}

test('backups: an S3 target, tested from a server', async ({ page }) => {
  await signInPage(page, OWNER);
  await page.goto('/alerts');
  const channel = page.getByRole('form', { name: 'Add a channel' });
  await channel.getByTestId('channel-kind').selectOption('webhook');
  await channel.getByTestId('channel-field-name').fill(`Backups ${marker}`);
  await channel.getByTestId('channel-field-url').fill(`${sink.url}/backups`);
  await channel.getByTestId('channel-submit').click();
  await expect(page.locator(`[data-channel-name="Backups ${marker}"]`)).toBeVisible();

  await page.goto('/settings/backup-targets');
  const form = page.getByRole('form', { name: 'Add a backup target' });
  await form.getByTestId('target-name').fill(TARGET);
  await form.getByTestId('target-kind').selectOption('s3');
  await form.getByTestId('target-endpoint').fill(s3.endpoint);
  await form.getByTestId('target-bucket').fill(s3.bucket);
  await form.getByTestId('target-access-key').fill(s3.accessKeyId);
  await form.getByTestId('target-secret').fill(s3.secretAccessKey);
  await form.getByRole('button', { name: /Add target|Save/ }).click();
  const row = page.getByTestId(`target-${TARGET}`);
  await expect(row).toBeVisible();
  await row
    .getByRole('form', { name: `Send test ${TARGET}` })
    .getByRole('button', { name: 'Send test' })
    .click();
  await expect(async () => {
    await page.reload();
    await expect(row).toHaveAttribute('data-test-ok', 'true', { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
});

test('backups: the panel backs itself up, and the revealed repository key opens that backup with plain restic', async ({ page }) => {
  await signInPage(page, OWNER);
  await page.goto('/settings/backup-targets');
  const schedule = page.getByRole('form', { name: "The panel's backup schedule" });
  await schedule.getByTestId('panel-backup-target').selectOption(TARGET);
  await schedule.getByTestId('panel-backup-schedule').fill('45 3 * * *');
  await schedule.getByRole('button', { name: /Schedule the panel|Save schedule/ }).click();
  await page.getByRole('form', { name: 'Back up the panel now' }).getByRole('button').click();
  const outcome = page.getByTestId('panel-backup-outcome').first();
  await expect(async () => {
    await page.reload();
    await expect(outcome).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 90_000, intervals: [1000, 2000] });
  await expect(outcome).toHaveAttribute('data-ok', 'true');
  for (const stage of ['dumped', 'uploaded', 'verified']) await expect(outcome.getByTestId(`panel-stage-${stage}`)).toBeVisible();

  // Signed in just now: the reveal needs no password prompt. The key is only in the browser.
  await page.getByRole('button', { name: `Reveal repository key of ${TARGET}` }).click();
  const key = (await page.getByTestId(`repo-key-${TARGET}`).locator('pre').textContent())!.trim();
  expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // Key custody, end to end: that key (and the target's own credential) is all a lost panel's operator needs.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-custody-'));
  try {
    fs.writeFileSync(path.join(dir, 'key'), key, { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, 'rclone.conf'),
      `[t]\ntype = s3\nprovider = Other\nendpoint = ${s3.endpoint}\naccess_key_id = ${s3.accessKeyId}\nsecret_access_key = ${s3.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const snapshots = execFileSync(
      'restic',
      ['-r', `rclone:t:${s3.bucket}/_berth-panel`, '--password-file', path.join(dir, 'key'), '--no-cache', 'snapshots', '--json'],
      { encoding: 'utf8', env: localEnv({ RCLONE_CONFIG: path.join(dir, 'rclone.conf') }) },
    );
    expect((JSON.parse(snapshots) as { tags?: string[] }[]).length).toBeGreaterThan(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await page.getByRole('form', { name: "Stop scheduling the panel's backup" }).getByRole('button').click();
});

test('backups: a PHP app with a database and uploads, backed up to all stages, then drilled', async ({ page }) => {
  await signInPage(page, OWNER);
  await createApp(page, { name: APP.name, slug, kind: 'php', domains: APP.domain, repository: repo.dir, servers: ['web-1'] });
  await expect(page.getByRole('heading', { name: APP.name })).toBeVisible();
  appId = /\/apps\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  await waitForAppRun(page, 'web-1', null);
  await openTab(page, 'Settings');
  const settings = page.getByRole('form', { name: 'App settings' });
  const previous = await page.getByTestId('app-server-web-1').getByTestId('run').getAttribute('data-run-id');
  await settings.getByLabel('Postgres database and role for this app').check();
  await settings.getByLabel('Shared paths').fill('storage');
  await settings.getByRole('button', { name: 'Save and apply' }).click();
  await waitForAppRun(page, 'web-1', previous);
  expect(await clickDeploy(page)).toBe('succeeded');

  psql(
    `CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL); ALTER TABLE notes OWNER TO ${database};
        INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, 50) g; INSERT INTO notes (body) VALUES ('${CANARY}');
        CREATE TABLE ${CANARY_TABLE} (id int); ALTER TABLE ${CANARY_TABLE} OWNER TO ${database};`,
    database,
  );
  const uploads = hostPath('berth-host-1', 'www', `${slug}/shared/storage/app/uploads`);
  fs.mkdirSync(uploads, { recursive: true });
  fs.writeFileSync(path.join(uploads, 'photo.txt'), `${UPLOAD}\n`);
  await expect.poll(notes, { timeout: 15_000 }).toContain(`note: ${CANARY}`);

  await backupsPage(page);
  const policy = page.getByRole('form', { name: 'Add a backup policy' });
  await policy.getByTestId('policy-name').fill('nightly');
  await policy.getByTestId('policy-target').selectOption(TARGET);
  // A bad schedule is refused beside its field; nothing is saved.
  await policy.getByTestId('policy-schedule').fill('61 * * * *');
  await policy.getByTestId('policy-files').fill('storage/app');
  await policy.getByTestId('policy-submit').click();
  await expect(policy.getByText('minute: 61 is out of range (0–59)')).toBeVisible();
  await policy.getByTestId('policy-schedule').fill('15 3 * * *');
  await policy.getByTestId('policy-submit').click();
  await expect(page.getByTestId('backup-policy-nightly')).toBeVisible();

  await page.getByRole('form', { name: 'Back up now nightly' }).getByRole('button').click();
  const backup = await finishedRun(page, 'backup');
  await expect(backup).toHaveAttribute('data-status', 'succeeded');
  for (const stage of ['dumped', 'uploaded', 'verified'])
    await expect(backup.getByTestId(`stage-${stage}`)).toHaveAttribute('data-state', 'reached');
  await expect(backup.getByTestId('stage-restoreVerified')).toHaveAttribute('data-state', 'pending');

  await page.getByRole('form', { name: 'Run drill nightly' }).getByRole('button').click();
  const drill = await finishedRun(page, 'drill');
  await expect(drill).toHaveAttribute('data-status', 'succeeded');
  await expect(page.getByTestId('backup-drill').first().getByTestId('backup-drill-duration')).toHaveText(/\d/);
  await expect(page.locator('[data-testid="backup-run"][data-kind="backup"]').first().getByTestId('stage-restoreVerified')).toHaveAttribute(
    'data-state',
    'reached',
  );
  await expect(page.getByTestId('backup-policy-nightly').getByTestId('policy-stage')).toHaveAttribute('data-stage', 'restoreVerified');

  // Client-side encryption: the upload (a plain file, stored uncompressed by restic 0.14) and the
  // canary table's name (in the snapshot's plain-JSON manifest) are in no stored object. Row data
  // proves nothing here: a -Fc dump is compressed whether or not it is encrypted.
  const stored = fs.readdirSync(s3.dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(s3.dir, f));
  const files = stored.filter((f) => fs.statSync(f).isFile());
  expect(files.length).toBeGreaterThan(3);
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    expect(bytes.includes(UPLOAD) || bytes.includes(CANARY_TABLE), f).toBe(false);
  }
});

test('backups: restore into a new database, and the app serves the restored rows', async ({ page }) => {
  await signInPage(page, OWNER);
  psql(`INSERT INTO notes (body) VALUES ('after-backup-${marker}')`, database);
  await expect.poll(notes, { timeout: 15_000 }).toContain(`after-backup-${marker}`);
  await backupsPage(page);
  const restore = page.getByRole('form', { name: 'Restore nightly' });
  await restore.locator('input[name="into"][value="new-database"]').check();
  // The typed confirmation is checked again by the action: a wrong one restores nothing.
  await restore.getByTestId('restore-confirm').fill('not-the-slug');
  await restore.getByTestId('restore-submit').click();
  await expect(restore.getByText(/Type .* to confirm|does not match/)).toBeVisible();
  await restore.getByTestId('restore-confirm').fill(slug);
  await restore.getByTestId('restore-submit').click();
  const run = await finishedRun(page, 'restore');
  await expect(run).toHaveAttribute('data-status', 'succeeded');
  await expect.poll(notes, { timeout: 15_000 }).not.toContain(`after-backup-${marker}`);
  const served = await notes();
  expect(served).toContain(`note: ${CANARY}`);
  expect(served.match(/^note: /gm)).toHaveLength(51);
});

test('backups: a byte flipped on the target fails the next verification, which alerts', async ({ page }) => {
  await signInPage(page, OWNER);
  // The app's own repository: the panel's backup (bigger) lives beside it on the same target.
  flipByteIn(path.join(s3.dir, s3.bucket, slug));
  await backupsPage(page);
  await page.getByRole('form', { name: 'Verify nightly' }).getByRole('button').click();
  const verify = await finishedRun(page, 'verify');
  await expect(verify).toHaveAttribute('data-status', 'failed');
  // Failed where the target was read back, for the flipped byte (not, say, a refused credential).
  await expect(verify.getByTestId('backup-run-error')).toContainText(
    /verify.*(repository contains errors|ciphertext verification failed|pack|hash)/is,
  );
  await expect(page.getByTestId('backup-policy-nightly').getByTestId('policy-stage')).toHaveAttribute('data-tone', 'bad');
  const alert = await sink.waitFor(
    (r: SinkRequest) => r.path === '/backups' && (r.body as { type?: string })?.type === 'backup.failed',
    30_000,
  );
  expect(JSON.stringify(alert.body)).toContain(slug);
  await page.goto('/backups');
  await expect(page.getByText(slug).first()).toBeVisible();
});

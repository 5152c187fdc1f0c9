import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, insertApp, updateAppConfig } from '@/db/queries/apps';
import { findBackupRun, findTargetByName, insertRun, runsOfApp } from '@/db/queries/backups';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { requestBackupRun } from './requests';
import { openTargetSecrets, saveTarget } from './targets';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let appId = '';
const queued: string[] = [];
const enqueue = async (p: { kind: string; runId?: string }) => {
  queued.push(p.runId!);
  return 'job';
};
const s3 = (bucket: string) => ({ kind: 's3' as const, endpoint: 'https://s3.test', region: '', bucket, accessKeyId: 'AKIA1' });

beforeAll(async () => {
  t = await createTestDb();
  await saveTarget(t.db, ring, { name: 'old', settings: s3('old-bucket'), credential: 'SECRET-OLD' });
  await saveTarget(t.db, ring, { name: 'new', settings: s3('new-bucket'), credential: 'SECRET-NEW' });
  const config = appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'], backups: [{ name: 'nightly', target: 'old' }] });
  appId = (await insertApp(t.db, { slug: 'shop', name: 'Shop', config }, [])).id;
});
afterAll(async () => t?.close());

describe('queueing backup work', () => {
  it('records a second request while one is queued as skipped, and runs nothing beside it', async () => {
    const first = await requestBackupRun(t.db, enqueue, { appId, policy: 'nightly', kind: 'backup' });
    const second = await requestBackupRun(t.db, enqueue, { appId, policy: 'nightly', kind: 'backup' });
    expect([first.skipped, second.skipped]).toEqual([false, true]);
    expect(second.run.status).toBe('skipped');
    expect(queued).toEqual([first.run.id]);
  });

  it('verifies a backup on the target it was written to, after the policy moved to another', async () => {
    const old = await findTargetByName(t.db, 'old');
    const done = await insertRun(t.db, {
      appId,
      policy: 'nightly',
      kind: 'backup',
      status: 'succeeded',
      targetId: old!.id,
      targetName: 'old',
      snapshotId: 'abc',
      manifest: {},
    });
    const app = (await findApp(t.db, appId))!;
    await updateAppConfig(t.db, appId, { ...app.config, backups: [{ ...app.config.backups[0]!, target: 'new' }] });
    const { run } = await requestBackupRun(t.db, enqueue, { appId, policy: 'nightly', kind: 'verify' });
    expect({ target: run.targetName, source: run.sourceRunId }).toEqual({ target: 'old', source: done.id });
    await expect(requestBackupRun(t.db, enqueue, { appId, policy: 'nightly', kind: 'drill', sourceRunId: run.id })).rejects.toThrow(
      'not a succeeded backup of this policy',
    );
  });

  it('marks a run failed when the queue refuses it, so the policy is not blocked for ever', async () => {
    const refuse = async () => {
      throw new Error('queue down');
    };
    await expect(requestBackupRun(t.db, refuse, { appId, policy: 'nightly', kind: 'drill' })).rejects.toThrow('queue down');
    const [latest] = (await runsOfApp(t.db, appId)).filter((r) => r.kind === 'drill');
    expect(latest).toMatchObject({ status: 'failed', failedStage: 'queue' });
    const again = await requestBackupRun(t.db, enqueue, { appId, policy: 'nightly', kind: 'drill' });
    expect(again.skipped).toBe(false);
    expect((await findBackupRun(t.db, again.run.id))?.status).toBe('queued');
  });
});

describe('editing a target', () => {
  it('refuses a new kind, and a new bucket while backups are kept in the old one', async () => {
    await expect(saveTarget(t.db, ring, { name: 'old', settings: { kind: 'local', path: '/srv/b' } })).rejects.toThrow(
      'kind cannot change',
    );
    await expect(saveTarget(t.db, ring, { name: 'old', settings: s3('other-bucket') })).rejects.toThrow(
      /1 backups are kept at https:\/\/s3\.test\/old-bucket/,
    );
  });

  it('drops a kept credential when the endpoint changes, and never sends it to the new one', async () => {
    await expect(saveTarget(t.db, ring, { name: 'new', settings: { ...s3('new-bucket'), endpoint: 'https://evil.test' } })).rejects.toThrow(
      'Enter the credential again',
    );
    const { target } = await saveTarget(t.db, ring, { name: 'new', settings: { ...s3('new-bucket'), region: 'eu-1' } });
    expect(openTargetSecrets(ring, target).credential).toBe('SECRET-NEW');
  });
});

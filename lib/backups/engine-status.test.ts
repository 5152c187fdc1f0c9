import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import {
  findBackupRun,
  finishRunningBackupRun,
  findTargetByName,
  insertRun,
  interruptBackupRunOnce,
  keptBackups,
  startQueuedBackupRun,
} from '@/db/queries/backups';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { interruptBackupJob, runBackupJob } from './run-job';
import { saveTarget } from './targets';

// The run's status moves only forward, and only once: a lost-job interrupt and a late finish
// never both win (nor both alert).
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let appId = '';
const s3 = (bucket: string) => ({ kind: 's3' as const, endpoint: 'https://s3.test', region: '', bucket, accessKeyId: 'AKIA1' });
const newRun = (over: Partial<Parameters<typeof insertRun>[1]> = {}) =>
  insertRun(t.db, { appId, policy: 'nightly', kind: 'backup', status: 'queued', targetName: 'a', ...over });

beforeAll(async () => {
  t = await createTestDb();
  await saveTarget(t.db, ring, { name: 'a', settings: s3('a'), credential: 'S' });
  await saveTarget(t.db, ring, { name: 'b', settings: s3('b'), credential: 'S' });
  const config = appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'], backups: [{ name: 'nightly', target: 'a' }] });
  appId = (await insertApp(t.db, { slug: 'shop', name: 'Shop', config }, [])).id;
});
afterAll(async () => t?.close());

describe('backup run status switches', () => {
  it('an interrupted run is not started, and is interrupted (and alerted) once', async () => {
    const run = await newRun();
    expect((await interruptBackupRunOnce(t.db, run.id))?.status).toBe('interrupted');
    expect(await interruptBackupRunOnce(t.db, run.id)).toBeUndefined();
    await interruptBackupJob(t.db, run.id); // a second sweep: nothing to do, no alert
    expect(await startQueuedBackupRun(t.db, run.id, new Date())).toBe(false);
    await runBackupJob(t.db, ring, run.id, new AbortController().signal);
    expect(await findBackupRun(t.db, run.id)).toMatchObject({ status: 'interrupted', startedAt: null });
  });

  it('a late finish does not overwrite an interrupt recorded while it ran', async () => {
    const run = await newRun();
    expect(await startQueuedBackupRun(t.db, run.id, new Date())).toBe(true);
    expect(await startQueuedBackupRun(t.db, run.id, new Date())).toBe(false);
    await interruptBackupRunOnce(t.db, run.id);
    expect(await finishRunningBackupRun(t.db, run.id, { status: 'succeeded' })).toBeUndefined();
    expect((await findBackupRun(t.db, run.id))!.status).toBe('interrupted');
  });

  it("retention sees only the run's own target's backups", async () => {
    const [a, b] = [(await findTargetByName(t.db, 'a'))!, (await findTargetByName(t.db, 'b'))!];
    const onA = await newRun({ status: 'succeeded', targetId: a.id, snapshotId: 'sa' });
    const onB = await newRun({ status: 'succeeded', targetId: b.id, targetName: 'b', snapshotId: 'sb' });
    expect((await keptBackups(t.db, appId, 'nightly', a.id)).map((r) => r.id)).toEqual([onA.id]);
    expect((await keptBackups(t.db, appId, 'nightly')).map((r) => r.id).sort()).toEqual([onA.id, onB.id].sort());
  });
});

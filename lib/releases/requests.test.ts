import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findRelease, insertRelease, startQueuedRelease, updateRelease } from '@/db/queries/releases';
import type { App, Release } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { cancelRelease, rollbackTarget } from './requests';

let t: TestDb;
let app: App;
beforeAll(async () => {
  t = await createTestDb();
  const config = appConfigInput.parse({ slug: 'cancel-me', kind: 'static', domains: ['cancel.test'] });
  app = await insertApp(t.db, { slug: 'cancel-me', name: 'Cancel me', config }, []);
});
afterAll(async () => t.close());

const deploy = () => insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
async function finished(release: Release, status: Release['status'], at: number): Promise<Release> {
  await updateRelease(t.db, release.id, { status, finishedAt: new Date(at) });
  return (await findRelease(t.db, release.id))!;
}

describe('cancel', () => {
  it('ends a queued release (its job then finds it not queued and does nothing); asks a running one to stop, once; refuses an ended one', async () => {
    const queued = await deploy();
    expect(await cancelRelease(t.db, queued, 'Ada')).toBe('cancelled');
    expect(await findRelease(t.db, queued.id)).toMatchObject({ status: 'cancelled', error: 'Cancelled by Ada before it started.' });
    // The job read the row as queued just before the cancel: its claim fails and it does nothing.
    expect(await startQueuedRelease(t.db, queued.id)).toBe(false);
    expect((await findRelease(t.db, queued.id))?.status).toBe('cancelled');
    await expect(cancelRelease(t.db, (await findRelease(t.db, queued.id))!, 'Ada')).rejects.toThrow('already ended');

    const running = await deploy(); // the app's lock is free again: the cancelled one no longer holds it
    await updateRelease(t.db, running.id, { status: 'running' });
    // The row the caller read said queued, but the job took it meanwhile: the job is asked to stop instead.
    expect(await cancelRelease(t.db, running, 'Ada')).toBe('stopping');
    expect(await findRelease(t.db, running.id)).toMatchObject({ status: 'running', cancelledBy: 'Ada' });
    expect((await findRelease(t.db, running.id))?.cancelRequestedAt).toBeInstanceOf(Date);
    // A second click while it stops is refused, not recorded twice.
    await expect(cancelRelease(t.db, running, 'Bob')).rejects.toThrow('already being cancelled');
    expect((await findRelease(t.db, running.id))?.cancelledBy).toBe('Ada');
    await finished(running, 'failed', 1);
  });
});

describe('rollback target', () => {
  it('is deploy N when named (not the live one), else the newest successful deploy before the live one', async () => {
    const one = await finished(await deploy(), 'succeeded', 1000);
    const two = await finished(await deploy(), 'failed', 2000);
    const three = await finished(await deploy(), 'succeeded', 3000);
    expect((await rollbackTarget(t.db, app.id)).id).toBe(one.id);
    expect((await rollbackTarget(t.db, app.id, one.number!)).id).toBe(one.id);
    await expect(rollbackTarget(t.db, app.id, three.number!)).rejects.toThrow(`releases/${three.number} is already live.`);
    await expect(rollbackTarget(t.db, app.id, two.number!)).rejects.toThrow(`Deploy #${two.number} of this app did not succeed`);
    await expect(rollbackTarget(t.db, app.id, 99)).rejects.toThrow('does not exist');
  });
});

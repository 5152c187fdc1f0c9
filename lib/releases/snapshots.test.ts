import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { insertRelease, updateRelease } from '@/db/queries/releases';
import { findRun } from '@/db/queries/runs';
import { insertServer } from '@/db/queries/servers';
import { getSetting } from '@/db/queries/settings';
import { expiredSnapshots, markSnapshotsDeleted, restoreRunsOfRelease, snapshotsOfRelease } from '@/db/queries/snapshots';
import { insertUser } from '@/db/queries/users';
import type { App, Release, Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import type { JobPayload } from '@/lib/jobs/queue';
import { recordSnapshots, requestSnapshotRestore } from './snapshots';

// The domain rules of "restore snapshot" and the snapshot rows, on a real (embedded) database.
let t: TestDb;
let app: App;
let other: App;
let server: Server;
let release: Release;
let userId: number;
const sent: { payload: JobPayload; key: string }[] = [];
const enqueue = async (payload: JobPayload, key: string) => {
  sent.push({ payload, key });
  return 'job';
};
const PATH = '/var/backups/berth/shop/1-20260101T000000Z.dump';

beforeAll(async () => {
  t = await createTestDb();
  server = await insertServer(t.db, {
    id: crypto.randomUUID(),
    name: 'db-1',
    host: '10.0.0.1',
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
  });
  const config = (slug: string) => appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], dataServices: { postgres: true } });
  app = await insertApp(t.db, { slug: 'shop', name: 'Shop', config: config('shop') }, [{ serverId: server.id, roles: ['web'] }]);
  other = await insertApp(t.db, { slug: 'other', name: 'Other', config: config('other') }, [{ serverId: server.id, roles: ['web'] }]);
  release = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
  await updateRelease(t.db, release.id, { status: 'failed' });
  userId = (await insertUser(t.db, { email: 'a@example.test', name: 'a', role: 'admin', passwordHash: 'x' })).id;
});
afterAll(() => t?.close());

const ctxWith = (over: object) =>
  ({ server: { id: server.id, name: 'db-1', address: '10.0.0.1' }, ...over }) as Parameters<typeof recordSnapshots>[3][number];

describe('snapshot rows', () => {
  it('records what the recipe reported: expiry 7 days on, the restore, the size', async () => {
    const takenAt = new Date('2026-01-01T00:00:00Z');
    await recordSnapshots(t.db, app.id, release.id, [
      ctxWith({ snapshot: { path: PATH, takenAt, sizeBytes: 4321, restoredAt: new Date('2026-01-01T00:01:00Z') } }),
      ctxWith({}),
    ]);
    const [row, ...more] = await snapshotsOfRelease(t.db, release.id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      path: PATH,
      createdAt: takenAt,
      expiresAt: new Date('2026-01-08T00:00:00Z'),
      sizeBytes: 4321,
      deletedAt: null,
    });
    expect(row!.restoredAt).toEqual(new Date('2026-01-01T00:01:00Z'));
    expect((await expiredSnapshots(t.db, app.id, server.id, new Date('2026-01-07T23:59:59Z'))).length).toBe(0);
    expect((await expiredSnapshots(t.db, app.id, server.id, new Date('2026-01-08T00:00:00Z'))).map((s) => s.id)).toEqual([row!.id]);
  });
});

describe('requestSnapshotRestore', () => {
  const ask = (over: Partial<{ appId: string; snapshotId: string; confirm: string }>) =>
    requestSnapshotRestore(t.db, enqueue, { appId: app.id, snapshotId: '', confirm: 'shop', userId, ...over });

  it("needs the app's slug typed, and a snapshot of this app", async () => {
    const [snap] = await snapshotsOfRelease(t.db, release.id);
    await expect(ask({ snapshotId: snap!.id, confirm: 'Shop' })).rejects.toMatchObject({
      message: 'Type the app’s slug to confirm.',
      fieldErrors: { confirm: ['Type shop to confirm'] },
    });
    await expect(ask({ appId: other.id, snapshotId: snap!.id, confirm: 'other' })).rejects.toThrow('That snapshot does not exist.');
    expect(sent).toEqual([]);
  });

  it('queues a run on the snapshot server under the app key, attached to its release', async () => {
    const [snap] = await snapshotsOfRelease(t.db, release.id);
    const run = await ask({ snapshotId: snap!.id });
    expect(sent).toEqual([{ payload: { kind: 'snapshot-restore', runId: run.id, snapshotId: snap!.id }, key: `app:${app.id}` }]);
    expect(await findRun(t.db, run.id)).toMatchObject({
      status: 'queued',
      recipe: 'snapshot-restore',
      serverId: server.id,
      releaseId: release.id,
      requestedBy: userId,
    });
    expect((await restoreRunsOfRelease(t.db, release.id)).map((r) => r.id)).toEqual([run.id]);
  });

  it('is refused while a release of the app is queued or running', async () => {
    const [snap] = await snapshotsOfRelease(t.db, release.id);
    const busy = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    await expect(ask({ snapshotId: snap!.id })).rejects.toThrow('A release is queued for this app: restore once it has finished.');
    await updateRelease(t.db, busy.id, { status: 'failed' });
  });

  it('a queue that refuses marks the run failed', async () => {
    const [snap] = await snapshotsOfRelease(t.db, release.id);
    await expect(
      requestSnapshotRestore(t.db, async () => Promise.reject(new Error('down')), {
        appId: app.id,
        snapshotId: snap!.id,
        confirm: 'shop',
        userId,
      }),
    ).rejects.toThrow('down');
    const [latest] = await restoreRunsOfRelease(t.db, release.id);
    expect(latest).toMatchObject({ status: 'failed', error: 'Could not queue the restore.' });
  });

  it('is refused once the snapshot was removed, whose size row goes with it', async () => {
    const [snap] = await snapshotsOfRelease(t.db, release.id);
    await markSnapshotsDeleted(t.db, [snap!.id], new Date());
    expect(await getSetting(t.db, `db-snapshot-size:${snap!.id}`)).toBeUndefined();
    await expect(ask({ snapshotId: snap!.id })).rejects.toThrow('That snapshot expired and was removed from the server.');
    expect((await snapshotsOfRelease(t.db, release.id))[0]).toMatchObject({ sizeBytes: null, deletedAt: expect.any(Date) });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { insertApp } from './apps';
import { finishRelease, findRelease, insertRelease, interruptStaleReleases, liveDeploy, updateRelease } from './releases';

let t: TestDb;
let appId: string;
beforeAll(async () => {
  t = await createTestDb();
  appId = (
    await insertApp(t.db, { slug: 'rq', name: 'rq', config: appConfigInput.parse({ slug: 'rq', kind: 'php', domains: ['rq.test'] }) }, [])
  ).id;
});
afterAll(async () => t.close());

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('release rows', () => {
  it('gives a fetching release (no server runs yet) ten minutes before calling it stale, and the final write cannot revive an interrupted one', async () => {
    const r = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger: 'button' });
    await updateRelease(t.db, r.id, { status: 'running', startedAt: minutesAgo(3) });
    expect(await interruptStaleReleases(t.db, minutesAgo(1))).toBe(0);
    await updateRelease(t.db, r.id, { startedAt: minutesAgo(12) });
    expect(await interruptStaleReleases(t.db, minutesAgo(1))).toBe(1);
    await finishRelease(t.db, r.id, { status: 'succeeded' });
    expect((await findRelease(t.db, r.id))!.status).toBe('interrupted');
  });

  it('knows the live deploy after rollbacks', async () => {
    const done = async (kind: 'deploy' | 'rollback', targetId?: string) => {
      const r = await insertRelease(t.db, { appId, kind, ref: 'main', trigger: 'button', targetId });
      await updateRelease(t.db, r.id, { status: 'running', startedAt: new Date() });
      await finishRelease(t.db, r.id, { status: 'succeeded' });
      await new Promise((ok) => setTimeout(ok, 5));
      return r;
    };
    const one = await done('deploy');
    const two = await done('deploy');
    expect((await liveDeploy(t.db, appId))!.id).toBe(two.id);
    await done('rollback', one.id);
    expect((await liveDeploy(t.db, appId))!.id).toBe(one.id);
  });
});

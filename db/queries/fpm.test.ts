import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { fpmRetention } from '@/lib/fpm/poller';
import { DEFAULT_MONITORING } from '@/lib/monitors/settings';
import { fpmRollups, fpmSamples, servers } from '../schema';
import { insertApp } from './apps';
import { fpmHourlyMaxChildren, fpmTargets, insertFpmSamples, lastFpmReadings, latestFpmSamples, pruneFpm, upsertFpmRollups } from './fpm';

let t: TestDb;
const ids = { web1: randomUUID(), web2: randomUUID(), unpinned: randomUUID(), mismatch: randomUUID() };
let shop: string;
let blog: string;

async function server(id: string, name: string, extra: Partial<typeof servers.$inferInsert> = {}) {
  await t.db.insert(servers).values({
    id,
    name,
    host: '127.0.0.1',
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
    hostKeyFingerprint: 'SHA256:x',
    ...extra,
  });
}
const config = (slug: string, kind: 'php' | 'process', pool = {}) => appConfigInput.parse({ slug, kind, domains: [`${slug}.test`], pool });

beforeAll(async () => {
  t = await createTestDb();
  await server(ids.web1, 'web-1');
  await server(ids.web2, 'web-2');
  await server(ids.unpinned, 'unpinned', { hostKeyFingerprint: null });
  await server(ids.mismatch, 'mismatch', { hostKeyMismatchAt: new Date() });
  const all = [ids.web1, ids.web2, ids.unpinned, ids.mismatch];
  shop = (
    await insertApp(
      t.db,
      { slug: 'shop', name: 'shop', config: config('shop', 'php', { maxChildren: 7 }) },
      all.map((serverId) => ({ serverId, roles: ['web'] })),
    )
  ).id;
  // blog is a worker only on web-2: no pool there.
  blog = (
    await insertApp(t.db, { slug: 'blog', name: 'blog', config: config('blog', 'php') }, [
      { serverId: ids.web1, roles: ['web', 'worker'] },
      { serverId: ids.web2, roles: ['worker'] },
    ])
  ).id;
  await insertApp(t.db, { slug: 'node', name: 'node', config: config('node', 'process') }, [{ serverId: ids.web1, roles: ['web'] }]);
});
afterAll(async () => t.close());

const sample = (appId: string, serverId: string, at: Date, over: Partial<typeof fpmSamples.$inferInsert> = {}) => ({
  appId,
  serverId,
  at,
  startTime: 1000,
  active: 1,
  idle: 2,
  total: 3,
  maxActive: 3,
  maxChildrenReached: 0,
  slowRequests: 0,
  acceptedConn: 10,
  listenQueue: null,
  ...over,
});

describe('FPM queries', () => {
  it('targets php web placements on pinned servers without a host key mismatch, grouped by server', async () => {
    const targets = await fpmTargets(t.db);
    expect(targets.map((x) => [x.server.name, x.pools.map((p) => p.slug)])).toEqual([
      ['web-1', ['blog', 'shop']],
      ['web-2', ['shop']],
    ]);
    expect(targets[0]!.pools.find((p) => p.slug === 'shop')).toMatchObject({ appId: shop, maxChildren: 7, memoryLimitMb: 256 });
  });

  it('finds the newest sample per pool, in one statement, and nothing for a pool never sampled', async () => {
    const now = Date.now();
    await insertFpmSamples(t.db, [
      sample(shop, ids.web1, new Date(now - 30_000), { acceptedConn: 5 }),
      sample(shop, ids.web1, new Date(now - 15_000), { acceptedConn: 9, startTime: 2000 }),
      sample(shop, ids.web2, new Date(now - 15_000), { acceptedConn: 3, listenQueue: 2 }),
    ]);
    const last = await lastFpmReadings(t.db, [
      { appId: shop, serverId: ids.web1 },
      { appId: shop, serverId: ids.web2 },
      { appId: blog, serverId: ids.web1 },
    ]);
    expect(last.sort((a, b) => a.acceptedConn - b.acceptedConn)).toEqual([
      { appId: shop, serverId: ids.web2, startTime: 1000, maxChildrenReached: 0, slowRequests: 0, acceptedConn: 3 },
      { appId: shop, serverId: ids.web1, startTime: 2000, maxChildrenReached: 0, slowRequests: 0, acceptedConn: 9 },
    ]);
    expect(await lastFpmReadings(t.db, [])).toEqual([]);
    const latest = await latestFpmSamples(t.db, new Date(now - 60_000));
    expect(latest.map((l) => [l.app, l.server, l.acceptedConn, l.listenQueue])).toEqual([
      ['shop', 'web-1', 9, null],
      ['shop', 'web-2', 3, 2],
    ]);
    expect(await latestFpmSamples(t.db, new Date(now + 60_000))).toEqual([]);
  });

  it('upserts rollups: sums, maxima and counter increases accumulate in the bucket', async () => {
    const bucket = new Date('2026-05-01T10:00:00Z');
    const delta = (active: number, total: number, reached: number) => ({
      appId: shop,
      serverId: ids.web1,
      bucket,
      active,
      idle: 1,
      total,
      maxChildrenReached: reached,
      slowRequests: 1,
      acceptedConn: 20,
    });
    await upsertFpmRollups(t.db, 3600, [delta(2, 3, 1), { ...delta(1, 1, 0), serverId: ids.web2 }]);
    await upsertFpmRollups(t.db, 3600, [delta(5, 4, 2)]);
    await upsertFpmRollups(t.db, 3600, []);
    const rows = await t.db.select().from(fpmRollups);
    const web1 = rows.find((r) => r.serverId === ids.web1)!;
    expect(web1).toMatchObject({
      res: 3600,
      samples: 2,
      activeSum: 7,
      activeMax: 5,
      idleSum: 2,
      totalMax: 4,
      maxChildrenReached: 3,
      slowRequests: 2,
      acceptedConn: 40,
    });
    expect(rows.find((r) => r.serverId === ids.web2)).toMatchObject({ samples: 1, activeSum: 1 });
    const hourly = await fpmHourlyMaxChildren(t.db, shop, new Date('2026-05-01T00:00:00Z'));
    expect(hourly).toContainEqual({ serverId: ids.web1, t: bucket.getTime(), maxChildrenReached: 3 });
  });

  it('prunes each tier by its own retention', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const H = 3_600_000;
    await t.db.delete(fpmSamples);
    await t.db.delete(fpmRollups);
    await insertFpmSamples(t.db, [
      sample(shop, ids.web1, new Date(now.getTime() - 49 * H)),
      sample(shop, ids.web1, new Date(now.getTime() - 47 * H)),
    ]);
    const d = (agoMs: number) => ({
      appId: shop,
      serverId: ids.web1,
      bucket: new Date(now.getTime() - agoMs),
      active: 1,
      idle: 1,
      total: 1,
      maxChildrenReached: 0,
      slowRequests: 0,
      acceptedConn: 0,
    });
    await upsertFpmRollups(t.db, 60, [d(25 * H)]);
    await upsertFpmRollups(t.db, 60, [d(23 * H)]);
    await upsertFpmRollups(t.db, 3600, [d(36 * 24 * H)]);
    await upsertFpmRollups(t.db, 3600, [d(34 * 24 * H)]);
    await upsertFpmRollups(t.db, 86_400, [d(401 * 24 * H)]);
    await upsertFpmRollups(t.db, 86_400, [d(399 * 24 * H)]);
    await pruneFpm(t.db, fpmRetention(DEFAULT_MONITORING, now));
    const ago = (x: Date) => Math.round((now.getTime() - x.getTime()) / H);
    expect((await t.db.select().from(fpmSamples)).map((s) => ago(s.at))).toEqual([47]);
    const kept = (await t.db.select().from(fpmRollups)).map((r) => [r.res, ago(r.bucket)]).sort((a, b) => a[0]! - b[0]!);
    expect(kept).toEqual([
      [60, 23],
      [3600, 34 * 24],
      [86_400, 399 * 24],
    ]);
  });
});

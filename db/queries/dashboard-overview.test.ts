import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { checkRollups, monitors, releases, serverSamples, type MonitorState } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { serverHealth } from '@/lib/dashboard/status';
import { insertApp } from './apps';
import { overviewApps, overviewServers } from './dashboard-overview';
import { insertServer } from './servers';

let t: TestDb;
const now = new Date('2026-03-10T12:34:30Z');
const ago = (min: number) => new Date(now.getTime() - min * 60_000);
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDb();
  const server = async (name: string, patch: Record<string, unknown>) =>
    (ids[name] = (
      await insertServer(t.db, {
        id: crypto.randomUUID(),
        name,
        host: `${name}.lan`,
        username: 'root',
        privateKeySealed: 'x',
        publicKey: 'x',
        hostKeyFingerprint: 'SHA256:x',
        ...patch,
      })
    ).id);
  await server('alpha', { lastSeenAt: ago(1) });
  await server('bravo', { lastSeenAt: ago(1), lastError: 'connect ETIMEDOUT' });
  await server('charlie', { lastSeenAt: ago(1), hostKeyMismatchAt: ago(2), lastError: 'host key mismatch' });
  await server('delta', { lastSeenAt: ago(30) });
  await server('echo', { hostKeyFingerprint: null });
  await t.db.insert(serverSamples).values([
    { serverId: ids.alpha!, at: ago(10), load1: 3, memoryUsedPct: 10, diskUsedPct: 1 },
    { serverId: ids.alpha!, at: ago(1), load1: 0.5, memoryUsedPct: 42.5, diskUsedPct: 1 },
  ]);

  // Apps: one per case. Uptime from hour rollups (and a minute in the partial first hour).
  const app = async (slug: string, states: MonitorState[], checks: [number, number] | null, servers: string[] = []) => {
    const { id } = await insertApp(
      t.db,
      {
        slug,
        name: slug[0]!.toUpperCase() + slug.slice(1),
        config: appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`] }),
      },
      servers.map((s) => ({ serverId: ids[s]!, roles: ['web'] })),
    );
    ids[slug] = id;
    for (const [i, state] of states.entries()) {
      const [m] = await t.db
        .insert(monitors)
        .values({ name: `${slug}-${i}`, kind: 'http', appId: id, state, paused: state === 'paused', url: `http://${slug}.test/` })
        .returning();
      if (checks && i === 0) {
        await t.db.insert(checkRollups).values([
          {
            monitorId: m!.id,
            res: 3600,
            bucket: new Date('2026-03-10T11:00:00Z'),
            checks: checks[0],
            failures: checks[1],
            latencySum: 0,
            latencyCount: 0,
          },
          { monitorId: m!.id, res: 60, bucket: new Date('2026-03-09T12:50:00Z'), checks: 1, failures: 0, latencySum: 0, latencyCount: 0 },
          // Older than 24 h: not counted.
          {
            monitorId: m!.id,
            res: 3600,
            bucket: new Date('2026-03-08T11:00:00Z'),
            checks: 100,
            failures: 100,
            latencySum: 0,
            latencyCount: 0,
          },
        ]);
      }
    }
    return id;
  };
  await app('zeta', ['up', 'up'], [59, 0], ['alpha']);
  await app('alpha-shop', ['up', 'down', 'paused'], [59, 30], ['alpha', 'bravo']);
  await app('mid', ['pending', 'up'], [59, 9], ['alpha']);
  await app('quiet', ['paused'], null);
  await app('bare', [], null);
  const rel = (slug: string, number: number, finished: Date, status: 'succeeded' | 'failed') =>
    t.db.insert(releases).values({
      appId: ids[slug]!,
      kind: 'deploy',
      number,
      ref: 'main',
      trigger: 'button',
      status,
      createdAt: finished,
      startedAt: finished,
      finishedAt: finished,
    });
  await rel('zeta', 1, ago(300), 'succeeded');
  await rel('zeta', 2, ago(5), 'failed');
  await rel('mid', 1, ago(60), 'succeeded');
  await rel('bare', 1, ago(1000), 'succeeded');
});
afterAll(async () => t.close());

describe('overview: apps', () => {
  it('gives each app its worst active monitor state, last release and 24 h uptime', async () => {
    const rows = await overviewApps(t.db, 'name', now);
    const by = Object.fromEntries(rows.map((r) => [r.slug, r]));
    expect(by['alpha-shop']).toMatchObject({ worst: 'down', monitors: 3, uptime24h: { ok: 30, checks: 60 }, release: null });
    expect(by.zeta).toMatchObject({ worst: 'up', uptime24h: { ok: 60, checks: 60 }, release: { number: 2, status: 'failed' } });
    expect(by.zeta!.release!.at.getTime()).toBe(ago(5).getTime());
    expect(by.mid).toMatchObject({ worst: 'pending', uptime24h: { ok: 51, checks: 60 } });
    expect(by.quiet).toMatchObject({ worst: null, monitors: 1, uptime24h: { ok: 0, checks: 0 } });
    expect(by.bare).toMatchObject({ worst: null, monitors: 0, release: { number: 1 } });
  });

  it('sorts by name, status (worst first), uptime (lowest first) and release (newest first)', async () => {
    const order = async (sort: 'name' | 'status' | 'uptime' | 'release') => (await overviewApps(t.db, sort, now)).map((r) => r.slug);
    expect(await order('name')).toEqual(['alpha-shop', 'bare', 'mid', 'quiet', 'zeta']);
    expect(await order('status')).toEqual(['alpha-shop', 'mid', 'zeta', 'bare', 'quiet']);
    expect(await order('uptime')).toEqual(['alpha-shop', 'mid', 'zeta', 'bare', 'quiet']);
    expect(await order('release')).toEqual(['zeta', 'mid', 'bare', 'alpha-shop', 'quiet']);
  });
});

describe('overview: servers', () => {
  it('derives status from the host key, the last error and when it was last seen; shows the newest sample and app count', async () => {
    const rows = await overviewServers(t.db, 'name', now);
    expect(rows.map((r) => [r.name, serverHealth(r).label, r.apps])).toEqual([
      ['alpha', 'reachable', 3],
      ['bravo', 'unreachable', 1],
      ['charlie', 'host key changed', 0],
      ['delta', 'not seen lately', 0],
      ['echo', 'host key not pinned', 0],
    ]);
    expect(rows[0]!.sample).toEqual({ load1: 0.5, memoryUsedPct: 42.5, at: ago(1) });
    expect(rows[1]!.sample).toBeNull();
  });

  it('sorts by status worst first; uptime and release keep servers by name', async () => {
    const order = async (sort: 'name' | 'status' | 'uptime' | 'release') => (await overviewServers(t.db, sort, now)).map((r) => r.name);
    expect(await order('status')).toEqual(['charlie', 'bravo', 'echo', 'delta', 'alpha']);
    expect(await order('uptime')).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect(await order('release')).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentResults, rollupsOf } from '@/db/queries/check-results';
import { findMonitor, updateMonitor } from '@/db/queries/monitors';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { checkOverdueHeartbeats, newHeartbeatToken, receivePing, recordMissedHeartbeats, tokenColumns } from './heartbeat';
import { pauseMonitor } from './manage';
import { addMonitor } from '@/test-support/monitor-fixtures';

const ring = parseKeyRing(generateKeyText(1));
const deps = () => ({ db: t.db, publicUrl: 'https://berth.test' });
const MIN = 60_000;
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

async function heartbeat(over: { intervalS: number; graceS?: number; createdAt: Date; lastPingAt?: Date }) {
  const id = crypto.randomUUID();
  const token = newHeartbeatToken();
  await addMonitor(t.db, { id, name: `hb-${id.slice(0, 4)}`, kind: 'heartbeat', ...over, ...tokenColumns(ring, id, token) });
  return { id, token };
}

describe('heartbeats', () => {
  it('a resumed heartbeat gets a full period + grace before it can be down', async () => {
    const now = Date.now();
    // Last pinged 8 minutes ago, then paused; period + grace is 6 minutes.
    const { id } = await heartbeat({
      intervalS: 300,
      graceS: 60,
      createdAt: new Date(now - 20 * MIN),
      lastPingAt: new Date(now - 8 * MIN),
    });
    await pauseMonitor(t.db, id, true);
    expect(await checkOverdueHeartbeats(deps())).toBe(0);
    await pauseMonitor(t.db, id, false);
    expect(await findMonitor(t.db, id)).toMatchObject({ state: 'pending', paused: false });
    expect(await checkOverdueHeartbeats(deps())).toBe(0);
    expect(await checkOverdueHeartbeats(deps(), new Date(now + 5 * MIN))).toBe(0);
    expect(await checkOverdueHeartbeats(deps(), new Date(now + 7 * MIN))).toBe(1);
    expect(await findMonitor(t.db, id)).toMatchObject({ state: 'down' });
  });

  it('pings within a second of the last recorded one are answered but not written', async () => {
    const { id, token } = await heartbeat({ intervalS: 60, createdAt: new Date() });
    const t0 = Date.now();
    expect(await receivePing(deps(), token, new Date(t0))).toBe('ok');
    for (let i = 1; i <= 20; i++) expect(await receivePing(deps(), token, new Date(t0 + i * 40))).toBe('ok');
    expect(await recentResults(t.db, id)).toHaveLength(1);
    expect(await receivePing(deps(), token, new Date(t0 + 1000))).toBe('ok');
    expect(await recentResults(t.db, id)).toHaveLength(2);
    expect((await findMonitor(t.db, id))!.lastPingAt).toEqual(new Date(t0 + 1000));
  });

  it('while down, each interval without a ping is one failed result, so uptime reflects the outage', async () => {
    const t0 = Date.now();
    const { id, token } = await heartbeat({ intervalS: 60, createdAt: new Date(t0 - 3 * MIN), lastPingAt: new Date(t0 - 2 * MIN) });
    // A minute of pings, then an hour of silence: down at t0, then one miss per minute.
    expect(await checkOverdueHeartbeats(deps(), new Date(t0))).toBe(1);
    expect(await recordMissedHeartbeats(t.db, new Date(t0))).toBe(0); // the down transition is this minute's failure
    expect(await recordMissedHeartbeats(t.db, new Date(t0 + 30_000))).toBe(0);
    for (let k = 1; k <= 60; k++) {
      await recordMissedHeartbeats(t.db, new Date(t0 + k * MIN));
      await recordMissedHeartbeats(t.db, new Date(t0 + k * MIN + 5_000)); // the next sweep: already claimed
    }
    const failed = (await recentResults(t.db, id, 500)).filter((r) => !r.ok);
    expect(failed).toHaveLength(61);
    expect(failed[0]).toMatchObject({ at: new Date(t0 + 60 * MIN), error: `no ping since ${new Date(t0 - 2 * MIN).toISOString()}` });
    const hours = await rollupsOf(t.db, id, 3600);
    expect(hours.reduce((n, r) => n + r.failures, 0)).toBe(61);

    // A ping ends it; an up heartbeat records no misses.
    expect(await receivePing(deps(), token, new Date(t0 + 61 * MIN))).toBe('ok');
    expect(await findMonitor(t.db, id)).toMatchObject({ state: 'up' });
    const resultsOf = async () => (await recentResults(t.db, id, 500)).length;
    const before = await resultsOf();
    await recordMissedHeartbeats(t.db, new Date(t0 + 63 * MIN));
    expect(await resultsOf()).toBe(before);
    // Nor does a paused one.
    await updateMonitor(t.db, id, { state: 'down', paused: true });
    await recordMissedHeartbeats(t.db, new Date(t0 + 70 * MIN));
    expect(await resultsOf()).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentResults } from '@/db/queries/check-results';
import { appendToOpenIncident, incidentsOf, TIMELINE_CAP } from '@/db/queries/incidents';
import { findMonitor, updateMonitor } from '@/db/queries/monitors';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startMonitoring, type MonitoringHandle } from './engine';
import { checkOverdueHeartbeats, newHeartbeatToken, receivePing, revealHeartbeatUrl, tokenColumns } from './heartbeat';
import { goDown } from './incidents';
import { addMonitor, flippingServer, httpMonitor, outbox, subscribeChannel, waitFor } from '@/test-support/monitor-fixtures';

const ring = parseKeyRing(generateKeyText(1));
const publicUrl = 'https://berth.test';
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await subscribeChannel(t.db, ring);
});
afterAll(async () => t.close());

describe('down and up through the running engine', () => {
  let engine: MonitoringHandle | undefined;
  afterAll(async () => engine?.stop());

  it('goes down after `retries` failures beyond the first (incident + notification), and up at the first success (closed + notification)', async () => {
    const target = await flippingServer();
    try {
      // 1 s beats: the 10 s minimum is the form's rule; the engine runs whatever is stored.
      const m = await addMonitor(t.db, httpMonitor(target.url, { name: 'shop', intervalS: 1, timeoutMs: 500, retries: 1 }));
      engine = await startMonitoring(t.db, ring, { publicUrl, flushMs: 200, reloadMs: 60_000, syncApps: false });
      await waitFor('up', async () => (await findMonitor(t.db, m.id))?.state === 'up');
      expect(await incidentsOf(t.db, m.id)).toEqual([]);

      target.setStatus(503);
      const hitsAtFlip = target.hits();
      await waitFor('down', async () => (await findMonitor(t.db, m.id))?.state === 'down');
      expect(target.hits() - hitsAtFlip).toBeGreaterThanOrEqual(2); // not on the first failure: retries = 1
      // The notification is queued just after the transition commits.
      const [open] = await waitFor('notified', async () => {
        const list = await incidentsOf(t.db, m.id);
        return list[0]?.timeline.some((e) => e.event === 'notified') && list;
      });
      expect(open).toMatchObject({ endedAt: null, cause: 'status 503, expected 200-299' });
      expect(open!.timeline.map((e) => e.event)).toEqual(['opened', 'notified']);
      expect(await outbox(t.db)).toEqual([
        {
          type: 'monitor.down',
          monitorId: m.id,
          url: `${publicUrl}/monitors/${m.id}`,
          title: 'shop is down',
          text: 'status 503, expected 200-299',
          status: 'pending',
        },
      ]);

      target.setStatus(200);
      await waitFor('up again', async () => (await findMonitor(t.db, m.id))?.state === 'up');
      const [closed] = await incidentsOf(t.db, m.id);
      expect(closed!.endedAt).not.toBeNull();
      expect(closed!.timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'check succeeded' });
      await waitFor('up notification', async () => (await outbox(t.db)).length === 2);
      expect((await outbox(t.db)).map((o) => o.type)).toEqual(['monitor.down', 'monitor.up']);

      await engine.flush();
      const results = await recentResults(t.db, m.id);
      expect(results.some((r) => !r.ok && r.status === 503)).toBe(true);
      expect(engine.stats().delayMs.count).toBeGreaterThan(3);
      await updateMonitor(t.db, m.id, { paused: true });
    } finally {
      await target.close();
    }
  });

  it('a paused monitor is dropped by reload and no longer checked', async () => {
    const target = await flippingServer();
    try {
      const m = await addMonitor(t.db, httpMonitor(target.url, { name: 'paused', intervalS: 1, timeoutMs: 500 }));
      await engine!.reload();
      await waitFor('first check', async () => target.hits() > 0);
      await updateMonitor(t.db, m.id, { paused: true });
      await engine!.reload();
      await new Promise((r) => setTimeout(r, 200));
      const hits = target.hits();
      await new Promise((r) => setTimeout(r, 1500));
      expect(target.hits()).toBe(hits);
    } finally {
      await target.close();
    }
  });
});

describe('transitions', () => {
  it('racing down transitions open one incident and queue one notification', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1:9/', { name: 'race' }));
    const at = new Date();
    const won = await Promise.all([1, 2, 3, 4].map(() => goDown({ db: t.db, publicUrl }, m, at, 'connection refused')));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await incidentsOf(t.db, m.id)).toHaveLength(1);
    expect((await outbox(t.db)).filter((o) => o.monitorId === m.id)).toHaveLength(1);
  });

  it('keeps a flapping timeline capped: the opening event and the latest ones', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1:9/', { name: 'flap' }));
    await goDown({ db: t.db, publicUrl }, m, new Date(), 'first cause');
    for (let i = 0; i < TIMELINE_CAP + 10; i++)
      await appendToOpenIncident(t.db, m.id, { at: new Date().toISOString(), event: 'error', detail: `error ${i}` });
    const [incident] = await incidentsOf(t.db, m.id);
    expect(incident!.timeline).toHaveLength(TIMELINE_CAP);
    expect(incident!.timeline[0]).toMatchObject({ event: 'opened', detail: 'first cause' });
    expect(incident!.timeline.at(-1)).toMatchObject({ detail: `error ${TIMELINE_CAP + 9}` });
  });
});

describe('heartbeat monitors', () => {
  it('overdue → down with an incident; a ping → up and closed; unknown tokens are not found', async () => {
    const deps = { db: t.db, publicUrl };
    const id = crypto.randomUUID();
    const token = newHeartbeatToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const created = new Date(Date.now() - 10 * 60_000);
    const m = await addMonitor(t.db, {
      id,
      name: 'backup',
      kind: 'heartbeat',
      intervalS: 300,
      graceS: 60,
      createdAt: created,
      ...tokenColumns(ring, id, token),
    });
    expect(m.tokenSealed).not.toContain(token);
    expect(revealHeartbeatUrl(ring, publicUrl, m)).toBe(`${publicUrl}/api/heartbeat/${token}`);

    // Created 10 min ago, period + grace is 6 min: overdue.
    expect(await checkOverdueHeartbeats(deps)).toBe(1);
    expect(await findMonitor(t.db, id)).toMatchObject({ state: 'down', lastError: 'no ping within 360 s of creation' });
    expect(await checkOverdueHeartbeats(deps)).toBe(0); // already down: no second incident
    expect(await incidentsOf(t.db, id)).toHaveLength(1);

    expect(await receivePing(deps, token)).toBe('ok');
    const after = await findMonitor(t.db, id);
    expect(after).toMatchObject({ state: 'up', lastError: null });
    expect(after!.lastPingAt).not.toBeNull();
    const [incident] = await incidentsOf(t.db, id);
    expect(incident!.endedAt).not.toBeNull();
    expect(incident!.timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'ping received' });
    expect((await outbox(t.db)).filter((o) => o.monitorId === id).map((o) => o.type)).toEqual(['monitor.down', 'monitor.up']);
    expect((await recentResults(t.db, id)).map((r) => r.ok)).toEqual([true, false]);

    // Pinged just now: not overdue until another 6 minutes pass.
    expect(await checkOverdueHeartbeats(deps)).toBe(0);
    expect(await checkOverdueHeartbeats(deps, new Date(Date.now() + 7 * 60_000))).toBe(1);

    expect(await receivePing(deps, newHeartbeatToken())).toBe('unknown');
    expect(await receivePing(deps, 'short')).toBe('unknown');
    expect(await receivePing(deps, "' or 1=1 --")).toBe('unknown');
  });

  it('a first ping brings a pending heartbeat up without an incident', async () => {
    const id = crypto.randomUUID();
    const token = newHeartbeatToken();
    await addMonitor(t.db, { id, name: 'cron', kind: 'heartbeat', intervalS: 3600, ...tokenColumns(ring, id, token) });
    expect(await receivePing({ db: t.db, publicUrl }, token)).toBe('ok');
    expect(await findMonitor(t.db, id)).toMatchObject({ state: 'up' });
    expect(await incidentsOf(t.db, id)).toEqual([]);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentsOf } from '@/db/queries/incidents';
import { findMonitor } from '@/db/queries/monitors';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startMonitoring } from './engine';
import { phaseMs } from './phase';
import { ResultWriter } from './result-writer';
import { Scheduler } from './scheduler';
import { addMonitor, flippingServer, httpMonitor, waitFor } from '@/test-support/monitor-fixtures';

const publicUrl = 'https://berth.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

/** A target that holds every request open until released; counts requests open per path. */
async function hangingServer() {
  const open = new Map<string, number>();
  const maxOpen = new Map<string, number>();
  const held: Array<{ path: string; res: http.ServerResponse }> = [];
  const closed: number[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url!;
    open.set(path, (open.get(path) ?? 0) + 1);
    maxOpen.set(path, Math.max(maxOpen.get(path) ?? 0, open.get(path)!));
    held.push({ path, res });
    req.socket.on('close', () => {
      open.set(path, open.get(path)! - 1);
      closed.push(Date.now());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open,
    maxOpen,
    closed,
    /** Answers the requests held for these paths. */
    release(paths: string[]) {
      // Each held request is answered once (the test may release a path again).
      for (const h of held.filter((x) => paths.includes(x.path) && !x.res.writableEnded)) h.res.end('ok');
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('scheduler', () => {
  it('a monitor waiting for a free slot is queued once and never runs twice at the same time', async () => {
    const target = await hangingServer();
    const list = [];
    for (const name of ['a', 'b', 'c'])
      list.push(await addMonitor(t.db, httpMonitor(`${target.base}/${name}`, { name, intervalS: 1, timeoutMs: 20_000 })));
    const s = new Scheduler({ db: t.db, publicUrl, writer: new ResultWriter(t.db), maxInFlight: 2 });
    try {
      s.setMonitors(list);
      s.start();
      // Three beats of each pass: two checks hang in the two slots, the third monitor waits.
      await sleep(3500);
      const running = [...target.open].filter(([, n]) => n > 0).map(([p]) => p);
      expect(running).toHaveLength(2);
      expect(s.inFlightCount).toBe(2);
      // Both slots come free at once. The waiting monitor's beat is stale by now: skipped, not run
      // (twice), and the next beats each start one check per monitor.
      target.release(running);
      // The waiting monitor gets a slot once one is free at its beat. Whether a or b (hanging
      // again) take both slots first depends on the monitors' phases, i.e. on their random ids,
      // so keep answering what hangs until c has run (bounded), then watch 1.5 s more.
      for (let i = 0; i < 100 && target.maxOpen.size < 3; i++) {
        target.release([...target.open].filter(([, n]) => n > 0).map(([p]) => p));
        await sleep(100);
      }
      await sleep(1500);
      expect([...target.maxOpen.values()]).toEqual([1, 1, 1]);
      expect(s.checksSkipped).toBeGreaterThan(3);
    } finally {
      await s.stop();
      await target.close();
    }
  });

  it('a beat more than 24.8 days away (beyond a timer’s range) does not spin the loop', async () => {
    const intervalS = 31 * 86_400;
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1:9/far', { name: 'monthly', intervalS }));
    const I = intervalS * 1000;
    const phase = phaseMs(m.id, I);
    // A clock just past this monitor's beat: the next one is a whole interval (31 days) away.
    const fixed = phase + Math.floor((Date.now() - phase) / I) * I + 1;
    let clockReads = 0;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const s = new Scheduler({
      db: t.db,
      publicUrl,
      writer: new ResultWriter(t.db),
      now: () => {
        clockReads++;
        return fixed;
      },
    });
    try {
      s.setMonitors([m]);
      s.start();
      await sleep(300);
      expect(clockReads).toBeLessThan(10);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
      expect(s.checksDone).toBe(0);
    } finally {
      process.off('warning', onWarning);
      await s.stop();
    }
  });

  it('a reload snapshot read before a transition does not undo it', async () => {
    const target = await flippingServer();
    target.setStatus(503);
    const m = await addMonitor(t.db, httpMonitor(target.url, { name: 'stale', intervalS: 1, timeoutMs: 500 }));
    const stale = (await findMonitor(t.db, m.id))!; // pending, read before the outage
    const s = new Scheduler({ db: t.db, publicUrl, writer: new ResultWriter(t.db) });
    try {
      s.setMonitors([stale]);
      s.start();
      await waitFor('down', async () => (await findMonitor(t.db, m.id))?.state === 'down');
      target.setStatus(200);
      // A reload that read the row just before the transition committed.
      s.setMonitors([stale]);
      await waitFor('up again', async () => (await findMonitor(t.db, m.id))?.state === 'up', 5000);
      expect((await incidentsOf(t.db, m.id))[0]!.endedAt).not.toBeNull();
    } finally {
      await s.stop();
      await target.close();
    }
  });
});

describe('engine shutdown', () => {
  it('aborts checks in flight at once and records nothing after stop', async () => {
    const target = await hangingServer();
    const m = await addMonitor(t.db, httpMonitor(`${target.base}/slow`, { name: 'slow', intervalS: 1, timeoutMs: 30_000 }));
    const engine = await startMonitoring(t.db, parseKeyRing(generateKeyText(1)), {
      publicUrl,
      syncApps: false,
      flushMs: 100,
      reloadMs: 60_000,
    });
    try {
      await waitFor('a check in flight', async () => (target.open.get('/slow') ?? 0) > 0);
      const t0 = Date.now();
      await engine.stop();
      expect(Date.now() - t0).toBeLessThan(1000);
      await waitFor('the connection closed', async () => target.closed.length > 0, 1000);
      expect(target.closed[0]! - t0).toBeLessThan(1000);
      expect(engine.stats().inFlight).toBe(0);
      await sleep(200);
      const row = await findMonitor(t.db, m.id);
      expect(row).toMatchObject({ lastCheckedAt: null, state: 'pending' });
    } finally {
      await engine.stop();
      await target.close();
    }
  });
});

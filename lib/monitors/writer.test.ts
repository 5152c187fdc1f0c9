import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMonitor } from '@/db/queries/monitors';
import { rollupsOf } from '@/db/queries/check-results';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { checkResults } from '@/db/schema';
import { ResultWriter } from './result-writer';
import { addMonitor, httpMonitor } from '@/test-support/monitor-fixtures';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

const at = (iso: string) => new Date(iso);
const log: string[] = [];

describe('batched result writer', () => {
  it('writes results in one batch, folds them into minute/hour/day rollups, and adds to existing buckets', async () => {
    const a = await addMonitor(t.db, httpMonitor('http://127.0.0.1/a'));
    const b = await addMonitor(t.db, httpMonitor('http://127.0.0.1/b'));
    const w = new ResultWriter(t.db, { log: (m) => log.push(m) });
    w.add({ monitorId: a.id, at: at('2026-03-01T10:00:05Z'), ok: true, latencyMs: 10, status: 200, error: null });
    w.add({
      monitorId: a.id,
      at: at('2026-03-01T10:00:35Z'),
      ok: false,
      latencyMs: 30,
      status: 503,
      error: 'status 503, expected 200-299',
    });
    w.add({ monitorId: a.id, at: at('2026-03-01T10:01:05Z'), ok: false, latencyMs: null, status: null, error: 'connection refused' });
    w.add({ monitorId: b.id, at: at('2026-03-01T10:00:10Z'), ok: true, latencyMs: 7, status: 200, error: null });
    await w.flush();
    expect(w.stats).toMatchObject({ written: 4, flushes: 1, buffered: 0, failedFlushes: 0 });

    const minutes = await rollupsOf(t.db, a.id, 60);
    expect(minutes.map((r) => [r.bucket.toISOString(), r.checks, r.failures, r.latencySum, r.latencyCount, r.latencyMax])).toEqual([
      ['2026-03-01T10:00:00.000Z', 2, 1, 40, 2, 30],
      ['2026-03-01T10:01:00.000Z', 1, 1, 0, 0, null],
    ]);
    const [hour] = await rollupsOf(t.db, a.id, 3600);
    expect(hour).toMatchObject({ checks: 3, failures: 2, latencySum: 40, latencyCount: 2, latencyMax: 30 });

    // A later batch lands in the same hour and day: ON CONFLICT adds to them.
    w.add({ monitorId: a.id, at: at('2026-03-01T10:30:00Z'), ok: true, latencyMs: 50, status: 200, error: null });
    await w.flush();
    const [hour2] = await rollupsOf(t.db, a.id, 3600);
    const [day] = await rollupsOf(t.db, a.id, 86_400);
    expect(hour2).toMatchObject({ checks: 4, failures: 2, latencySum: 90, latencyCount: 3, latencyMax: 50 });
    expect(day).toMatchObject({ checks: 4, bucket: at('2026-03-01T00:00:00Z') });

    // The last state is the newest result; a pending monitor whose last check passed is up.
    expect(await findMonitor(t.db, a.id)).toMatchObject({
      lastCheckedAt: at('2026-03-01T10:30:00Z'),
      lastLatencyMs: 50,
      lastError: null,
      state: 'up',
    });
    expect(await findMonitor(t.db, b.id)).toMatchObject({ lastLatencyMs: 7, state: 'up' });
    const [{ n }] = (await t.db.select({ n: sql<number>`count(*)::int` }).from(checkResults)) as [{ n: number }];
    expect(n).toBe(5);
  });

  it('a failed flush keeps its rows and writes them on the next one', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1/c'));
    const w = new ResultWriter(t.db, { log: (x) => log.push(x) });
    w.add({ monitorId: m.id, at: at('2026-03-02T00:00:00Z'), ok: true, latencyMs: 5, status: 200, error: null });
    await t.db.execute(sql`alter table check_rollups rename to check_rollups_away`);
    await w.flush();
    expect(w.stats).toMatchObject({ failedFlushes: 1, buffered: 1, written: 0, dropped: 0 });
    expect(log.at(-1)).toContain('will retry');
    // Nothing of the failed batch was half-written (one transaction).
    expect(rowsOf(await t.db.execute(sql`select count(*)::int as n from check_results where monitor_id = ${m.id}`))[0]).toEqual({ n: 0 });
    await t.db.execute(sql`alter table check_rollups_away rename to check_rollups`);
    await w.flush();
    expect(w.stats).toMatchObject({ failedFlushes: 1, buffered: 0, written: 1, lastError: null });
    expect(await rollupsOf(t.db, m.id, 60)).toHaveLength(1);
  });

  it('a buffer that cannot be written is bounded: the oldest rows are dropped, counted and logged', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1/d'));
    const w = new ResultWriter(t.db, { maxBuffered: 3, maxRows: 100, log: (x) => log.push(x) });
    await t.db.execute(sql`alter table check_results rename to check_results_away`);
    try {
      for (let i = 0; i < 5; i++)
        w.add({ monitorId: m.id, at: new Date(Date.UTC(2026, 2, 3, 0, i)), ok: true, latencyMs: i, status: 200, error: null });
      await w.flush();
      expect(w.stats).toMatchObject({ buffered: 3, dropped: 2 });
      expect(log.at(-1)).toContain('dropped the 2 oldest');
    } finally {
      await t.db.execute(sql`alter table check_results_away rename to check_results`);
    }
    await w.flush();
    const rows = rowsOf<{ latency_ms: number }>(
      await t.db.execute(sql`select latency_ms from check_results where monitor_id = ${m.id} order by at`),
    );
    expect(rows.map((r) => r.latency_ms)).toEqual([2, 3, 4]);
  });

  it('results of a monitor deleted while buffered are skipped, not a failed batch', async () => {
    const keep = await addMonitor(t.db, httpMonitor('http://127.0.0.1/e'));
    const gone = await addMonitor(t.db, httpMonitor('http://127.0.0.1/f'));
    const w = new ResultWriter(t.db);
    w.add({ monitorId: keep.id, at: at('2026-03-04T00:00:00Z'), ok: true, latencyMs: 1, status: 200, error: null });
    w.add({ monitorId: gone.id, at: at('2026-03-04T00:00:00Z'), ok: true, latencyMs: 1, status: 200, error: null });
    await t.db.execute(sql`delete from monitors where id = ${gone.id}`);
    await w.flush();
    expect(w.stats).toMatchObject({ written: 2, failedFlushes: 0 });
    expect(await rollupsOf(t.db, keep.id, 60)).toHaveLength(1);
  });
});

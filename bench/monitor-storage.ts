// Storage per monitor after a simulated year at a 60 s interval (issue 7; goal ≤ 1 MB).
// The last 72 h (more than the raw and minute tiers keep) go through the real ResultWriter,
// one flush per simulated minute as the engine's 2 s flushes would see a 60 s monitor, with
// retention every simulated 10 minutes and VACUUM every hour, as the engine does. Older days
// are written straight as the tiers the writer and retention leave behind for them: hour
// rollups for the hour tier's span, day rollups for the year. Then retention runs once more and the check tables are measured.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/monitor-storage.ts [--monitors 5] [--raw-hours 48] [--minute-hours 48]
// (DATABASE_URL=postgres://… measures a real Postgres instead of embedded PGlite.) The last line
// rebuilds the indexes to show how much of the total is index bloat.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { closeClient, drizzleFor, migrateClient, openClient } from '@/db/client';
import { upsertRollups, vacuumCheckTables, type RollupRow } from '@/db/queries/check-results';
import { freshPostgresDatabase } from '@/test-support/test-db';
import { monitors, ROLLUP } from '@/db/schema';
import { ResultWriter } from '@/lib/monitors/result-writer';
import { pruneChecks } from '@/lib/monitors/retention';
import { DEFAULT_MONITORING } from '@/lib/monitors/settings';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const N = arg('monitors', 5);
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  const settings = {
    ...DEFAULT_MONITORING,
    rawHours: arg('raw-hours', DEFAULT_MONITORING.rawHours),
    minuteHours: arg('minute-hours', DEFAULT_MONITORING.minuteHours),
  };

  const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

  const pgBase = process.env.DATABASE_URL;
  const scratch = pgBase ? await freshPostgresDatabase(pgBase) : null;
  const dir = pgBase ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-storage-'));
  const client = await openClient(scratch ? { databaseUrl: scratch.url } : { pgliteDir: dir! });
  await migrateClient(client);
  const db = drizzleFor(client);
  const ids = (
    await db
      .insert(monitors)
      .values(Array.from({ length: N }, (_, k) => ({ name: `m${k}`, kind: 'http' as const, url: `http://127.0.0.1/${k}` })))
      .returning()
  ).map((m) => m.id);

  const END = Math.floor(Date.UTC(2027, 0, 1) / DAY) * DAY;
  const LIVE_FROM = END - 3 * DAY;
  // A plausible monitor: ~40 ms, slower now and then, a failure about once a day.
  const latencyAt = (t: number, k: number) => 30 + ((t / MIN + k * 7) % 17) + ((t / MIN) % 97 === 0 ? 400 : 0);
  const failsAt = (t: number, k: number) => (t / MIN + k * 131) % 1440 === 0;

  function aggregate(monitorId: string, k: number, res: number, from: number): RollupRow {
    const row: RollupRow = {
      monitorId,
      res,
      bucket: new Date(from),
      checks: 0,
      failures: 0,
      latencySum: 0,
      latencyCount: 0,
      latencyMax: null,
    };
    for (let t = from; t < from + res * 1000; t += MIN) {
      row.checks++;
      if (failsAt(t, k)) row.failures++;
      else {
        const l = latencyAt(t, k);
        row.latencySum += l;
        row.latencyCount++;
        row.latencyMax = Math.max(row.latencyMax ?? 0, l);
      }
    }
    return row;
  }

  const t0 = performance.now();
  // Days before the live window: day rollups for the whole year, hour rollups within the hour tier's span.
  const older: RollupRow[] = [];
  for (let day = END - 365 * DAY; day < LIVE_FROM; day += DAY) {
    for (const [k, id] of ids.entries()) older.push(aggregate(id, k, ROLLUP.day, day));
    if (day >= END - (settings.hourDays + 1) * DAY)
      for (let h = day; h < day + DAY; h += HOUR) for (const [k, id] of ids.entries()) older.push(aggregate(id, k, ROLLUP.hour, h));
  }
  for (let k = 0; k < older.length; k += 1000) await upsertRollups(db, older.slice(k, k + 1000));

  // The live window through the real writer and retention, on the simulated clock.
  const writer = new ResultWriter(db);
  for (let t = LIVE_FROM; t < END; t += MIN) {
    ids.forEach((id, k) => {
      const fail = failsAt(t, k);
      writer.add({
        monitorId: id,
        at: new Date(t + k * 1000),
        ok: !fail,
        latencyMs: fail ? null : latencyAt(t, k),
        status: fail ? null : 200,
        error: fail ? 'timed out after 10000 ms' : null,
      });
    });
    await writer.flush();
    // As the engine does: prune every 10 minutes, vacuum every hour.
    if ((t - LIVE_FROM) % (10 * MIN) === 0) await pruneChecks(db, settings, new Date(t));
    if ((t - LIVE_FROM) % HOUR === 0) await vacuumCheckTables(db);
  }
  await pruneChecks(db, settings, new Date(END));
  if (writer.stats.failedFlushes) throw new Error(`writer failed: ${writer.stats.lastError}`);

  const TABLES = ['check_results', 'check_rollups', 'incidents'];
  async function measure() {
    const out: Record<string, number> = {};
    for (const t of TABLES)
      out[t] = Number(
        rowsOf<{ n: number | string }>(await db.execute(sql`select pg_total_relation_size(${t}::regclass)::bigint as n`))[0]!.n,
      );
    return out;
  }
  const counts = rowsOf<{ tier: string; n: number }>(
    await db.execute(
      sql`select 'raw' as tier, count(*)::int as n from check_results union all select res::text, count(*)::int from check_rollups group by res order by 1`,
    ),
  );
  await vacuumCheckTables(db);
  const sizes = await measure();
  const parts = rowsOf<{ rel: string; bytes: number | string }>(
    await db.execute(sql`select c.relname as rel, pg_relation_size(c.oid)::bigint as bytes from pg_class c
      where c.relname in ('check_results', 'check_rollups', 'check_results_monitor_at_idx', 'check_rollups_monitor_id_res_bucket_pk') order by 1`),
  );
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

  console.log(
    `${N} monitors at 60 s, a simulated year ending ${new Date(END).toISOString().slice(0, 10)} (${pgBase ? 'Postgres' : 'PGlite'}; retention ${JSON.stringify({ rawHours: settings.rawHours, minuteHours: settings.minuteHours, hourDays: settings.hourDays, dayDays: settings.dayDays })}; ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  console.log(
    `  rows per monitor: ${counts.map((c) => `${c.tier === 'raw' ? 'raw' : c.tier === '60' ? 'minute' : c.tier === '3600' ? 'hour' : 'day'} ${Math.round(c.n / N)}`).join(', ')}`,
  );
  console.log(
    `  ${TABLES.map((t) => `${t} ${kb(sizes[t]!)}`).join(', ')} (with indexes): per monitor ${kb(total(sizes) / N)} (goal ≤ 1024 KB)`,
  );

  console.log(`  by relation, per monitor: ${parts.map((p) => `${p.rel} ${kb(Number(p.bytes) / N)}`).join(', ')}`);
  // How much of that is index bloat (half-full pages from splits in the middle of the index): rebuilt, the same rows.
  await db.execute(sql`reindex table check_results`);
  await db.execute(sql`reindex table check_rollups`);
  console.log(`  for comparison, with freshly rebuilt indexes: per monitor ${kb(total(await measure()) / N)}`);

  await closeClient(client);
  if (scratch) await scratch.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

await runBench(main);

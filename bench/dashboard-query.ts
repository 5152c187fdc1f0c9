// The dashboard's 30-day chart (issue 7): 24 monitors of one app × 30 days at 60 s = 1,036,800
// stored raw results (generate_series), plus the rollups an engine would have left at steady
// state (minutes for the last 48 h, hours and days for all 30 days, folded from the raw rows
// with INSERT … SELECT … GROUP BY). It then times responseChart() (lib/dashboard/load.ts),
// exactly what the page calls for the response chart and the uptime figures, against the same
// chart and figures computed from the raw table (the reference), and checks both agree.
// Backend: embedded PGlite by default; DATABASE_URL=postgres://… uses a scratch database there.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/dashboard-query.ts [runs=60]
import os from 'node:os';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '@/db';
import { insertApp } from '@/db/queries/apps';
import { appMonitors, responseBuckets, responseBucketsQuery, uptimeOfApp, uptimeQuery } from '@/db/queries/dashboard';
import { insertServer } from '@/db/queries/servers';
import { createTestDb } from '@/test-support/test-db';
import { monitors } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { loadDashboard, responseChart } from '@/lib/dashboard/load';
import { uptimeWindows } from '@/db/queries/rollup-windows';
import { chartWindow } from '@/lib/dashboard/range';
import { responseSeries } from '@/lib/dashboard/series';
import { sumUptime, uptimePct } from '@/lib/dashboard/status';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const RUNS = Math.min(Math.max(Number(process.argv[2] ?? 60), 50), 1000);
  const MONITORS = 24;
  const DAYS = 30;
  const rowsOf = <T>(r: unknown) => (r as { rows: T[] }).rows;
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
  const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;

  const t = await createTestDb();
  const db = t.db;
  try {
    const now = new Date();
    const [version] = rowsOf<{ v: string }>(await db.execute(sql`select current_setting('server_version') as v`));
    console.log(`dashboard query bench · ${t.backend} (Postgres ${version!.v}) · ${os.cpus().length} cores · ${RUNS} runs`);

    // --- fixture -----------------------------------------------------------------------------
    const started = performance.now();
    const servers = await Promise.all(
      ['web-1', 'web-2'].map((name) =>
        insertServer(db, { id: crypto.randomUUID(), name, host: '10.0.0.1', username: 'root', privateKeySealed: 'x', publicKey: 'x' }),
      ),
    );
    const domains = Array.from({ length: MONITORS / 2 }, (_, i) => `shop${i}.test`);
    const app = await insertApp(
      db,
      { slug: 'shop', name: 'Shop', config: appConfigInput.parse({ slug: 'shop', kind: 'php', domains }) },
      servers.map((s) => ({ serverId: s.id, roles: ['web'] })),
    );
    await db.insert(monitors).values(
      servers.flatMap((s) =>
        domains.map((d) => ({
          name: `${d} on ${s.name}`,
          kind: 'http' as const,
          appId: app.id,
          serverId: s.id,
          url: `http://${d}/`,
          state: 'up' as const,
        })),
      ),
    );
    // Another app's monitors in the same tables, so the app filter has something to skip.
    const other = await insertApp(
      db,
      { slug: 'blog', name: 'Blog', config: appConfigInput.parse({ slug: 'blog', kind: 'php', domains: ['blog.test'] }) },
      [],
    );
    await db
      .insert(monitors)
      .values(
        Array.from({ length: 4 }, (_, i) => ({ name: `blog${i}`, kind: 'http' as const, appId: other.id, url: 'http://blog.test/' })),
      );

    const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - DAYS * 86_400_000).toISOString();
    const to = new Date(now.getTime()).toISOString();
    // ~0.5 % failures (half of them without a latency: refused/timeout), latency 20–220 ms.
    await db.execute(sql`
      insert into check_results (monitor_id, at, ok, latency_ms, status, error)
      select id, at, r >= 0.005, case when r < 0.0025 then null else 20 + (random() * 200)::int end,
             case when r < 0.005 then 502 else 200 end, case when r < 0.005 then 'HTTP 502' end
      from (
        select m.id, g.at, random() as r
        from monitors m
        cross join generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 second', interval '60 seconds') as g(at)
        where m.app_id = ${app.id}
      ) x`);
    const [{ n: raw }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from check_results`)) as [{ n: number }];
    const fold = (res: number, since: string) =>
      db.execute(sql`
      insert into check_rollups (monitor_id, res, bucket, checks, failures, latency_sum, latency_count, latency_max)
      select monitor_id, ${res}::int, date_bin(${`${res} seconds`}::interval, at, timestamptz 'epoch'),
             count(*), count(*) filter (where not ok), coalesce(sum(latency_ms), 0), count(latency_ms), max(latency_ms)
      from check_results where at >= ${since}::timestamptz group by 1, 3`);
    await fold(60, new Date(now.getTime() - 48 * 3_600_000).toISOString());
    await fold(3600, from);
    await fold(86_400, from);
    // FPM hour/minute rollups for the full page (2 servers).
    await db.execute(sql`
      insert into fpm_rollups (app_id, server_id, res, bucket, samples, active_sum, active_max, idle_sum, total_max, max_children_reached, slow_requests, accepted_conn)
      select ${app.id}::uuid, s.id, res, b, res / 15, (res / 15) * 2, 5, (res / 15) * 3, 5, 0, 0, res
      from servers s cross join (values (60), (3600)) v(res)
      cross join lateral generate_series(date_bin(make_interval(secs => res), ${res60(now)}::timestamptz - case when res = 60 then interval '48 hours' else interval '30 days' end, timestamptz 'epoch'), ${to}::timestamptz, make_interval(secs => res)) b`);
    await db.execute(sql`analyze`);
    const [{ n: rollups }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from check_rollups`)) as [{ n: number }];
    console.log(
      `fixture: ${raw.toLocaleString('en')} raw results, ${rollups.toLocaleString('en')} check rollups (${MONITORS} monitors × ${DAYS} d) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // --- the reference: the same chart and uptime from the raw table ------------------------
    async function rawChart(d: Db) {
      const w = chartWindow('30d', now);
      const mons = (await responseChart(d, app.id, '1h', now)).monitors; // the monitor list is the same query either way
      const rows = rowsOf<{ monitorId: string; t: number; checks: number; failures: number; latencySum: number; latencyCount: number }>(
        await d.execute(sql`
        select r.monitor_id as "monitorId", (extract(epoch from date_bin(interval '3600 seconds', r.at, timestamptz 'epoch')) * 1000)::float8 as t,
               count(*)::int as checks, (count(*) filter (where not r.ok))::int as failures,
               coalesce(sum(r.latency_ms), 0)::float8 as "latencySum", count(r.latency_ms)::int as "latencyCount"
        from check_results r join monitors m on m.id = r.monitor_id
        where m.app_id = ${app.id} and r.at >= ${w.start.toISOString()}::timestamptz and r.at < ${w.end.toISOString()}::timestamptz
        group by 1, 2 order by 2`),
      );
      const u = uptimeWindows(now);
      const [up] = rowsOf<{ d_ok: number; d_n: number; w_ok: number; w_n: number; m_ok: number; m_n: number }>(
        await d.execute(sql`
        select (count(*) filter (where r.ok and r.at >= ${u.dayStart.toISOString()}::timestamptz))::int as d_ok,
               (count(*) filter (where r.at >= ${u.dayStart.toISOString()}::timestamptz))::int as d_n,
               (count(*) filter (where r.ok and r.at >= ${u.weekHours.toISOString()}::timestamptz))::int as w_ok,
               (count(*) filter (where r.at >= ${u.weekHours.toISOString()}::timestamptz))::int as w_n,
               (count(*) filter (where r.ok))::int as m_ok, count(*)::int as m_n
        from check_results r join monitors m on m.id = r.monitor_id
        where m.app_id = ${app.id} and r.at >= ${u.monthHours.toISOString()}::timestamptz`),
      );
      return { series: responseSeries(w, mons, rows), up: up! };
    }

    // --- agreement --------------------------------------------------------------------------
    const fast = await responseChart(db, app.id, '30d', now);
    const ref = await rawChart(db);
    const diff = fast.points.filter(
      (p, i) => fast.lines.some((l) => p[l.key] !== ref.series.points[i]![l.key]) || p.failures !== ref.series.points[i]!.failures,
    ).length;
    const pct = (key: 'day' | 'week' | 'month') => uptimePct(sumUptime(fast.uptime.map((x) => x[key])));
    console.log(`agreement: ${fast.points.length} points × ${fast.lines.length} lines, ${diff} points differ from the raw reference`);
    console.log(
      `uptime (rollups): 24 h ${pct('day')} %, 7 d ${pct('week')} %, 30 d ${pct('month')} % · raw: 24 h ${uptimePct({ ok: ref.up.d_ok, checks: ref.up.d_n })} %, 7 d ${uptimePct({ ok: ref.up.w_ok, checks: ref.up.w_n })} %, 30 d ${uptimePct({ ok: ref.up.m_ok, checks: ref.up.m_n })} %`,
    );

    if (process.env.EXPLAIN) {
      const w = chartWindow('30d', now);
      const plan = async (label: string, query: { toSQL(): { sql: string; params: unknown[] } } | SQL) => {
        const { sql: text, params } = 'toSQL' in query ? query.toSQL() : new PgDialect().sqlToQuery(query);
        const inlined = text.replace(
          /\$(\d+)/g,
          (_, n) =>
            `'${String(params[Number(n) - 1] instanceof Date ? (params[Number(n) - 1] as Date).toISOString() : params[Number(n) - 1])}'`,
        );
        console.log(`-- ${label}\n${inlined}`);
        for (const r of rowsOf<Record<string, string>>(await db.execute(sql.raw(`explain (analyze, buffers) ${inlined}`))))
          console.log(Object.values(r)[0]);
      };
      await plan('buckets', responseBucketsQuery(app.id, w));
      await plan('uptime', uptimeQuery(db, app.id, now));
    } else await timings();

    async function timings() {
      // --- timing -----------------------------------------------------------------------------
      async function time(label: string, fn: () => Promise<unknown>, runs = RUNS) {
        for (let i = 0; i < 3; i++) await fn(); // warm caches and plans
        const xs: number[] = [];
        for (let i = 0; i < runs; i++) {
          const s = performance.now();
          await fn();
          xs.push(performance.now() - s);
        }
        console.log(`${label.padEnd(44)} p50 ${ms(q(xs, 0.5))}   p95 ${ms(q(xs, 0.95))}   max ${ms(Math.max(...xs))}`);
        return xs;
      }
      console.log('');
      const chart = await time('30 d chart + uptime, rollups (responseChart)', () => responseChart(db, app.id, '30d', now));
      const w30 = chartWindow('30d', now);
      await time('  of which: the monitors', () => appMonitors(db, app.id));
      await time('  of which: the chart buckets', () => responseBuckets(db, app.id, w30));
      await time('  of which: the uptime sums', () => uptimeOfApp(db, app.id, now));
      const reference = await time('30 d chart + uptime, raw table (reference)', () => rawChart(db), Math.min(RUNS, 50));
      console.log(
        `ratio (raw / rollups): p50 ${(q(reference, 0.5) / q(chart, 0.5)).toFixed(1)}×, p95 ${(q(reference, 0.95) / q(chart, 0.95)).toFixed(1)}×`,
      );
      console.log(`goal: p95 ≤ 150 ms for the 30 d chart → ${q(chart, 0.95) <= 150 ? 'met' : 'NOT met'}`);
      console.log('');
      await time('24 h chart + uptime (minute rollups)', () => responseChart(db, app.id, '24h', now));
      await time('whole 30 d page data (loadDashboard)', () => loadDashboard(db, app, '30d', now));
    }
  } finally {
    await t.close();
  }

  function res60(d: Date) {
    return new Date(Math.floor(d.getTime() / 60_000) * 60_000).toISOString();
  }
}

await runBench(main);

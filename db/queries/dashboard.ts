import { and, asc, eq, gte, isNotNull, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { int, num } from './dashboard-sql';
import { checkRollups, fpmRollups, monitors, releases, servers, type MonitorState, type Release } from '../schema';
import { uptimeWindows, type RollupWindow } from './rollup-windows';

// The dashboard's chart reads. Each chart is ONE grouped query over all of the app's monitors
// (or servers), whatever their number: the rollups' primary keys (monitor_id|app_id, …, res,
// bucket) serve the range scans.

/** A rollup bucket folded into a chart point, in epoch seconds (the 24 h chart's 5-minute points). */
function binOf(column: SQL, bucketS: number): SQL {
  if (!Number.isInteger(bucketS) || bucketS <= 0) throw new Error(`bad bucket width ${bucketS}`);
  return sql`date_part('epoch', date_bin(interval '${sql.raw(String(bucketS))} seconds', ${column}, timestamptz 'epoch'))::int8`;
}

/**
 * A rollup bucket folded into a chart point, in epoch ms. The width is inlined, not bound: the
 * same expression appears in SELECT and GROUP BY, and Postgres only matches them when the text
 * is identical (two bind parameters are two different expressions to it).
 */
function pointOf(column: AnyColumn, bucketS: number): SQL<number> {
  if (!Number.isInteger(bucketS) || bucketS <= 0) throw new Error(`bad bucket width ${bucketS}`);
  return sql<number>`date_part('epoch', date_bin(interval '${sql.raw(String(bucketS))} seconds', ${column}, timestamptz 'epoch')) * 1000`.mapWith(
    Number,
  );
}

export type AppMonitor = {
  id: string;
  name: string;
  kind: 'http' | 'heartbeat';
  state: MonitorState;
  paused: boolean;
  serverName: string | null;
  lastCheckedAt: Date | null;
  lastLatencyMs: number | null;
  lastError: string | null;
};

/** The app's monitors with the server each one targets (the chart's line names). */
export async function appMonitors(db: Db, appId: string): Promise<AppMonitor[]> {
  return db
    .select({
      id: monitors.id,
      name: monitors.name,
      kind: monitors.kind,
      state: monitors.state,
      paused: monitors.paused,
      serverName: servers.name,
      lastCheckedAt: monitors.lastCheckedAt,
      lastLatencyMs: monitors.lastLatencyMs,
      lastError: monitors.lastError,
    })
    .from(monitors)
    .leftJoin(servers, eq(servers.id, monitors.serverId))
    .where(eq(monitors.appId, appId))
    .orderBy(asc(monitors.name), asc(servers.name));
}

export type CheckBucket = { monitorId: string; t: number; checks: number; failures: number; latencySum: number; latencyCount: number };

/** Which monitors a chart reads: every monitor of an app (the app dashboard), or one (the monitor's page). */
export type ChartScope = { appId: string } | { monitorId: string };

/** Response-time points of every monitor in scope in the window, one row per monitor and point. */
export async function responseBuckets(db: Db, scope: string | ChartScope, w: RollupWindow): Promise<CheckBucket[]> {
  const rows = (await db.execute(bucketsQuery(scopeOf(scope), w))) as unknown as { rows: { monitor_id: string; points: string }[] };
  const out: CheckBucket[] = [];
  for (const row of rows.rows) {
    for (const [t, checks, failures, latencySum, latencyCount] of JSON.parse(row.points) as number[][]) {
      out.push({
        monitorId: row.monitor_id,
        t: t! * 1000,
        checks: checks!,
        failures: failures!,
        latencySum: latencySum!,
        latencyCount: latencyCount!,
      });
    }
  }
  return out;
}

/** A bare string is an app id: what the dashboard and the bench pass. */
function scopeOf(scope: string | ChartScope): SQL {
  const s = typeof scope === 'string' ? { appId: scope } : scope;
  return 'appId' in s ? sql`m.app_id = ${s.appId}` : sql`m.id = ${s.monitorId}`;
}

/**
 * The query itself (bench/dashboard-query.ts prints its plan). The 30 d chart is ~17,000 rollup
 * rows for 24 monitors: sent as one JSON array per monitor, they cost one JSON.parse instead of
 * the drivers' per-row, per-field parsing (3–4× faster end to end, on both backends). Where a
 * point is one stored bucket (1 h, 7 d, 30 d) the rows are read as they are; the 24 h chart
 * folds minutes into 5-minute points. Epochs come from date_part (double precision), not
 * extract (numeric, much slower per row).
 */
export function responseBucketsQuery(appId: string, w: RollupWindow): SQL {
  return bucketsQuery(scopeOf(appId), w);
}

function bucketsQuery(scope: SQL, w: RollupWindow): SQL {
  const inWindow = sql`${scope} and r.res = ${w.res} and r.bucket >= ${w.start.toISOString()}::timestamptz and r.bucket < ${w.end.toISOString()}::timestamptz`;
  const points =
    w.bucketS === w.res
      ? sql`select r.monitor_id, date_part('epoch', r.bucket)::int8 as t, r.checks, r.failures, r.latency_sum, r.latency_count
            from check_rollups r join monitors m on m.id = r.monitor_id where ${inWindow}`
      : sql`select r.monitor_id, ${binOf(sql`r.bucket`, w.bucketS)} as t, sum(r.checks)::int as checks, sum(r.failures)::int as failures,
                   sum(r.latency_sum)::int8 as latency_sum, sum(r.latency_count)::int as latency_count
            from check_rollups r join monitors m on m.id = r.monitor_id where ${inWindow} group by 1, 2`;
  return sql`select p.monitor_id, json_agg(json_build_array(p.t, p.checks, p.failures, p.latency_sum, p.latency_count))::text as points
             from (${points}) p group by p.monitor_id`;
}

export type UptimeCounts = { ok: number; checks: number };
export type MonitorUptime = { monitorId: string; day: UptimeCounts; week: UptimeCounts; month: UptimeCounts };

/**
 * Checks that passed over checks made, per monitor, for 24 h / 7 d / 30 d in one query (see
 * uptimeWindows for which tier covers which part: the minute, hour and day rollups are all
 * upserted as results arrive, so each tier is complete up to now). Monitors without checks get zero counts:
 * "no data", never 100 %.
 */
export async function uptimeOfApp(db: Db, appId: string, now: Date): Promise<MonitorUptime[]> {
  const rows = await uptimeQuery(db, appId, now);
  return rows.map((x) => ({
    monitorId: x.monitorId,
    day: { ok: x.dayOk, checks: x.dayChecks },
    week: { ok: x.weekOk, checks: x.weekChecks },
    month: { ok: x.monthOk, checks: x.monthChecks },
  }));
}

export function uptimeQuery(db: Db, appId: string, now: Date) {
  const u = uptimeWindows(now);
  const r = checkRollups;
  const tier = (res: number, from: Date, to?: Date) => and(eq(r.res, res), gte(r.bucket, from), to ? lt(r.bucket, to) : undefined)!;
  const dayMinutes = tier(60, u.dayStart, u.dayHours);
  const dayHours = tier(3600, u.dayHours);
  const weekHours = tier(3600, u.weekHours, u.weekDays);
  const monthHours = tier(3600, u.monthHours, u.monthDays);
  const monthDays = tier(86_400, u.monthDays);
  const inDay = or(dayMinutes, dayHours)!;
  const inWeek = or(weekHours, tier(86_400, u.weekDays))!;
  const inMonth = or(monthHours, monthDays)!;
  const ok = (cond: SQL) => int(sql`coalesce(sum(${r.checks} - ${r.failures}) filter (where ${cond}), 0)`);
  const checks = (cond: SQL) => int(sql`coalesce(sum(${r.checks}) filter (where ${cond}), 0)`);
  return db
    .select({
      monitorId: monitors.id,
      dayOk: ok(inDay),
      dayChecks: checks(inDay),
      weekOk: ok(inWeek),
      weekChecks: checks(inWeek),
      monthOk: ok(inMonth),
      monthChecks: checks(inMonth),
    })
    .from(monitors)
    .leftJoin(r, and(eq(r.monitorId, monitors.id), or(dayMinutes, dayHours, weekHours, monthHours, monthDays)))
    .where(eq(monitors.appId, appId))
    .groupBy(monitors.id);
}

export type FpmBucket = {
  serverId: string;
  t: number;
  samples: number;
  activeSum: number;
  idleSum: number;
  activeMax: number;
  totalMax: number;
  maxChildrenReached: number;
  slowRequests: number;
};

/** FPM points of every server of the app in the window, one row per server and point. */
export async function fpmBuckets(db: Db, appId: string, w: RollupWindow): Promise<FpmBucket[]> {
  const f = fpmRollups;
  const t = pointOf(f.bucket, w.bucketS);
  return db
    .select({
      serverId: f.serverId,
      t,
      samples: int(sql`sum(${f.samples})`),
      activeSum: num(sql`sum(${f.activeSum})`),
      idleSum: num(sql`sum(${f.idleSum})`),
      activeMax: int(sql`max(${f.activeMax})`),
      totalMax: int(sql`max(${f.totalMax})`),
      maxChildrenReached: int(sql`sum(${f.maxChildrenReached})`),
      slowRequests: int(sql`sum(${f.slowRequests})`),
    })
    .from(f)
    .where(and(eq(f.appId, appId), eq(f.res, w.res), gte(f.bucket, w.start), lt(f.bucket, w.end)))
    .groupBy(f.serverId, t);
}

export type MarkerRelease = Pick<Release, 'id' | 'kind' | 'number' | 'ref' | 'status' | 'startedAt' | 'finishedAt' | 'sha'>;

/**
 * Releases that finished (or, still running, started) inside the window: the chart markers.
 * A release that never started (queued, or refused) changed nothing on the servers.
 */
export async function releasesInWindow(db: Db, appId: string, w: RollupWindow): Promise<MarkerRelease[]> {
  const at = sql`coalesce(${releases.finishedAt}, ${releases.startedAt})`;
  return db
    .select({
      id: releases.id,
      kind: releases.kind,
      number: releases.number,
      ref: releases.ref,
      status: releases.status,
      startedAt: releases.startedAt,
      finishedAt: releases.finishedAt,
      sha: releases.sha,
    })
    .from(releases)
    .where(
      and(
        eq(releases.appId, appId),
        isNotNull(releases.startedAt),
        sql`${at} >= ${w.start.toISOString()}::timestamptz`,
        sql`${at} < ${w.end.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(asc(at))
    .limit(200);
}

/**
 * When the app's oldest stored check result is from, or null before its first check. The minute
 * tier is exact but kept 24 h; the hour tier reaches further back but rounds down to the hour (a
 * monitor started at 11:40 has an 11:00 bucket), so it counts only where it is older than that.
 */
export async function firstCheckAt(db: Db, scope: ChartScope): Promise<Date | null> {
  const [row] = await db
    .select({
      minute: sql<string | null>`min(${checkRollups.bucket}) filter (where ${checkRollups.res} = 60)`,
      hour: sql<string | null>`min(${checkRollups.bucket}) filter (where ${checkRollups.res} = 3600)`,
    })
    .from(checkRollups)
    .innerJoin(monitors, eq(monitors.id, checkRollups.monitorId))
    .where('appId' in scope ? eq(monitors.appId, scope.appId) : eq(monitors.id, scope.monitorId));
  const minute = row?.minute ? new Date(row.minute) : null;
  const hour = row?.hour ? new Date(row.hour) : null;
  if (minute && hour && hour.getTime() < minute.getTime() - 3_600_000) return hour;
  return minute ?? hour;
}

import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import type { MonitorState, ReleaseStatus } from '../schema';
import { uptimeWindows } from './rollup-windows';

// The overview page: every app and every server, each table in ONE statement (CTEs grouped by
// app / server), sorted in SQL by a whitelisted key.

export const OVERVIEW_SORTS = ['name', 'status', 'uptime', 'release'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];

/** Monitor states ranked worst-first; paused monitors do not count toward an app's status. */
export const STATE_RANK: Record<Exclude<MonitorState, 'paused'>, number> = { down: 3, pending: 2, up: 1 };

export type OverviewApp = {
  id: string;
  name: string;
  slug: string;
  monitors: number;
  /** The worst state of its active monitors; null when it has none. */
  worst: Exclude<MonitorState, 'paused'> | null;
  uptime24h: { ok: number; checks: number };
  release: { id: string; kind: 'deploy' | 'rollback'; number: number | null; ref: string; status: ReleaseStatus; at: Date } | null;
};

const APP_ORDER: Record<OverviewSort, string> = {
  name: 'lower(a.name), a.id',
  // Worst first: down, pending, up; apps without monitors last.
  status: 'mon.worst desc nulls last, lower(a.name), a.id',
  // Lowest uptime first: that is what needs looking at; apps without checks last.
  uptime: 'up.ratio asc nulls last, lower(a.name), a.id',
  release: 'rel.at desc nulls last, lower(a.name), a.id',
};

type AppRow = {
  id: string;
  name: string;
  slug: string;
  monitors: number;
  worst: number | null;
  ok: number | null;
  checks: number | null;
  release_id: string | null;
  kind: 'deploy' | 'rollback' | null;
  number: number | null;
  ref: string | null;
  status: ReleaseStatus | null;
  release_ms: number | null;
};

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

export async function overviewApps(db: Db, sort: OverviewSort, now: Date): Promise<OverviewApp[]> {
  const u = uptimeWindows(now);
  const rank = sql.raw(`case state when 'down' then 3 when 'pending' then 2 when 'up' then 1 end`);
  const q = sql`
    with mon as (
      select app_id, count(*)::int as n, max(${rank}) filter (where not paused) as worst
      from monitors where app_id is not null group by app_id
    ), up as (
      select m.app_id, sum(r.checks - r.failures)::int as ok, sum(r.checks)::int as checks,
             sum(r.checks - r.failures)::float8 / nullif(sum(r.checks), 0) as ratio
      from check_rollups r join monitors m on m.id = r.monitor_id
      where m.app_id is not null
        and ((r.res = 60 and r.bucket >= ${u.dayStart.toISOString()}::timestamptz and r.bucket < ${u.dayHours.toISOString()}::timestamptz)
          or (r.res = 3600 and r.bucket >= ${u.dayHours.toISOString()}::timestamptz))
      group by m.app_id
    ), rel as (
      select distinct on (app_id) app_id, id, kind, number, ref, status, coalesce(finished_at, started_at, created_at) as at
      from releases order by app_id, created_at desc
    )
    select a.id, a.name, a.slug, coalesce(mon.n, 0) as monitors, mon.worst, up.ok, up.checks,
           rel.id as release_id, rel.kind, rel.number, rel.ref, rel.status::text as status,
           (extract(epoch from rel.at) * 1000)::float8 as release_ms
    from apps a
    left join mon on mon.app_id = a.id
    left join up on up.app_id = a.id
    left join rel on rel.app_id = a.id
    order by ${sql.raw(APP_ORDER[sort])}`;
  const byRank = Object.fromEntries(Object.entries(STATE_RANK).map(([k, v]) => [v, k])) as Record<number, OverviewApp['worst']>;
  return rowsOf<AppRow>(await db.execute(q)).map((r) => ({
    id: r.id,
    name: r.name,
    slug: r.slug,
    monitors: Number(r.monitors),
    worst: r.worst == null ? null : (byRank[Number(r.worst)] ?? null),
    uptime24h: { ok: Number(r.ok ?? 0), checks: Number(r.checks ?? 0) },
    release: r.release_id
      ? { id: r.release_id, kind: r.kind!, number: r.number, ref: r.ref!, status: r.status!, at: new Date(Number(r.release_ms)) }
      : null,
  }));
}

/** Server health, worst first: 4 host key changed, 3 unreachable, 2 key not pinned, 1 not seen lately, 0 fine. */
export const SERVER_STALE_MS = 5 * 60_000;

export type OverviewServer = {
  id: string;
  name: string;
  host: string;
  rank: 0 | 1 | 2 | 3 | 4;
  lastSeenAt: Date | null;
  lastError: string | null;
  sample: { load1: number; memoryUsedPct: number; at: Date } | null;
  apps: number;
};

const SERVER_ORDER: Record<OverviewSort, string> = {
  name: 'lower(s.name), s.id',
  status: 'rank desc, lower(s.name), s.id',
  // Servers have no uptime or release of their own: those headers keep them by name.
  uptime: 'lower(s.name), s.id',
  release: 'lower(s.name), s.id',
};

type ServerRow = {
  id: string;
  name: string;
  host: string;
  rank: number;
  seen_ms: number | null;
  last_error: string | null;
  load1: number | null;
  memory: number | null;
  sample_ms: number | null;
  apps: number;
};

export async function overviewServers(db: Db, sort: OverviewSort, now: Date): Promise<OverviewServer[]> {
  const stale = new Date(now.getTime() - SERVER_STALE_MS).toISOString();
  const q: SQL = sql`
    select s.id, s.name, s.host, s.last_error,
           (extract(epoch from s.last_seen_at) * 1000)::float8 as seen_ms,
           case when s.host_key_mismatch_at is not null then 4
                when s.last_error is not null then 3
                when s.host_key_fingerprint is null then 2
                when s.last_seen_at is null or s.last_seen_at < ${stale}::timestamptz then 1
                else 0 end as rank,
           smp.load1::float8 as load1, smp.memory_used_pct::float8 as memory,
           (extract(epoch from smp.at) * 1000)::float8 as sample_ms,
           coalesce(placed.n, 0)::int as apps
    from servers s
    left join lateral (
      select load1, memory_used_pct, at from server_samples where server_id = s.id order by at desc limit 1
    ) smp on true
    left join (select server_id, count(*) as n from app_servers group by server_id) placed on placed.server_id = s.id
    order by ${sql.raw(SERVER_ORDER[sort])}`;
  return rowsOf<ServerRow>(await db.execute(q)).map((r) => ({
    id: r.id,
    name: r.name,
    host: r.host,
    rank: Number(r.rank) as OverviewServer['rank'],
    lastSeenAt: r.seen_ms == null ? null : new Date(Number(r.seen_ms)),
    lastError: r.last_error,
    sample: r.sample_ms == null ? null : { load1: Number(r.load1), memoryUsedPct: Number(r.memory), at: new Date(Number(r.sample_ms)) },
    apps: Number(r.apps),
  }));
}

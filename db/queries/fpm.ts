import { and, eq, gte, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { poolInput } from '@/lib/model/fpm-pool';
import type { Db } from '../client';
import { apps, appServers, fpmRollups, fpmSamples, servers, type NewFpmSample, type Server } from '../schema';

// FPM polling's reads and writes. Each is one statement per poll whatever the number of pools:
// the poller batches every server's readings before it comes here.

/** A PHP pool Berth configured: the app's pool settings, for alerts and hints. */
export type FpmPool = { appId: string; slug: string; maxChildren: number; memoryLimitMb: number };
export type FpmTarget = { server: Server; pools: FpmPool[] };

/**
 * Every server with at least one PHP app placed on it as a web server (only web servers get
 * the pool, lib/recipes/configure/desired-files.ts), pinned and without a host key mismatch.
 */
export async function fpmTargets(db: Db): Promise<FpmTarget[]> {
  const rows = await db
    .select({ server: servers, appId: apps.id, slug: apps.slug, config: apps.config })
    .from(appServers)
    .innerJoin(apps, eq(apps.id, appServers.appId))
    .innerJoin(servers, eq(servers.id, appServers.serverId))
    .where(
      and(
        sql`'web' = any(${appServers.roles})`,
        sql`${apps.config}->>'kind' = 'php'`,
        isNotNull(servers.hostKeyFingerprint),
        isNull(servers.hostKeyMismatchAt),
      ),
    )
    .orderBy(servers.name, apps.slug);
  const byServer = new Map<string, FpmTarget>();
  for (const r of rows) {
    // Through the schema, as findApp does: a config stored before a pool setting existed gets its
    // default. A config that no longer parses skips that app only, never the whole poll.
    const parsed = poolInput.safeParse(r.config.pool);
    if (!parsed.success) continue;
    const pool = parsed.data;
    const target = byServer.get(r.server.id) ?? { server: r.server, pools: [] };
    target.pools.push({ appId: r.appId, slug: r.slug, maxChildren: pool.maxChildren, memoryLimitMb: pool.memoryLimitMb });
    byServer.set(r.server.id, target);
  }
  return [...byServer.values()];
}

export type PoolKey = { appId: string; serverId: string };
export type LastReading = PoolKey & { startTime: number; maxChildrenReached: number; slowRequests: number; acceptedConn: number };

/** The newest sample of each pool: one index-backed lookup per key (a LATERAL join), in one statement. */
export async function lastFpmReadings(db: Db, keys: PoolKey[]): Promise<LastReading[]> {
  if (keys.length === 0) return [];
  const values = sql.join(
    keys.map((k) => sql`(${k.appId}::uuid, ${k.serverId}::uuid)`),
    sql`, `,
  );
  const result = (await db.execute(sql`
    select k.app_id, k.server_id, s.start_time, s.max_children_reached, s.slow_requests, s.accepted_conn
    from (values ${values}) as k(app_id, server_id)
    cross join lateral (
      select f.start_time, f.max_children_reached, f.slow_requests, f.accepted_conn
      from ${fpmSamples} f
      where f.app_id = k.app_id and f.server_id = k.server_id
      order by f.at desc
      limit 1
    ) s`)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows.map((r) => ({
    appId: String(r.app_id),
    serverId: String(r.server_id),
    startTime: Number(r.start_time),
    maxChildrenReached: Number(r.max_children_reached),
    slowRequests: Number(r.slow_requests),
    acceptedConn: Number(r.accepted_conn),
  }));
}

export async function insertFpmSamples(db: Db, samples: NewFpmSample[]): Promise<void> {
  if (samples.length) await db.insert(fpmSamples).values(samples);
}

/** The process counts and FPM's three counters, as a sample or a rollup delta carries them. */
type FpmFigures = { active: number; idle: number; total: number; maxChildrenReached: number; slowRequests: number; acceptedConn: number };

/** One sample's contribution to its bucket; the counters are increases, not FPM's totals. */
export type FpmRollupDelta = PoolKey & FpmFigures & { bucket: Date };

/** Folds the poll's samples into one tier (one statement). At most one delta per pool and bucket. */
export async function upsertFpmRollups(db: Db, res: number, deltas: FpmRollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const f = fpmRollups;
  await db
    .insert(f)
    .values(
      deltas.map((d) => ({
        appId: d.appId,
        serverId: d.serverId,
        res,
        bucket: d.bucket,
        samples: 1,
        activeSum: d.active,
        activeMax: d.active,
        idleSum: d.idle,
        totalMax: d.total,
        maxChildrenReached: d.maxChildrenReached,
        slowRequests: d.slowRequests,
        acceptedConn: d.acceptedConn,
      })),
    )
    .onConflictDoUpdate({
      target: [f.appId, f.serverId, f.res, f.bucket],
      set: {
        samples: sql`${f.samples} + excluded.samples`,
        activeSum: sql`${f.activeSum} + excluded.active_sum`,
        activeMax: sql`greatest(${f.activeMax}, excluded.active_max)`,
        idleSum: sql`${f.idleSum} + excluded.idle_sum`,
        totalMax: sql`greatest(${f.totalMax}, excluded.total_max)`,
        maxChildrenReached: sql`${f.maxChildrenReached} + excluded.max_children_reached`,
        slowRequests: sql`${f.slowRequests} + excluded.slow_requests`,
        acceptedConn: sql`${f.acceptedConn} + excluded.accepted_conn`,
      },
    });
}

/** Retention cut-offs: raw samples, then one per rollup resolution. */
export type FpmRetention = { samplesBefore: Date; rollupsBefore: Record<number, Date> };

export async function pruneFpm(db: Db, r: FpmRetention): Promise<void> {
  await db.delete(fpmSamples).where(lt(fpmSamples.at, r.samplesBefore));
  const tiers = Object.entries(r.rollupsBefore).map(([res, before]) => and(eq(fpmRollups.res, Number(res)), lt(fpmRollups.bucket, before)));
  if (tiers.length) await db.delete(fpmRollups).where(or(...tiers));
}

/** Hour buckets of one app (every server) since `since`, for the tuning hint (lib/fpm/hint.ts). */
export async function fpmHourlyMaxChildren(
  db: Db,
  appId: string,
  since: Date,
): Promise<{ serverId: string; t: number; maxChildrenReached: number }[]> {
  const rows = await db
    .select({ serverId: fpmRollups.serverId, bucket: fpmRollups.bucket, maxChildrenReached: fpmRollups.maxChildrenReached })
    .from(fpmRollups)
    .where(and(eq(fpmRollups.appId, appId), eq(fpmRollups.res, 3600), gte(fpmRollups.bucket, since)));
  return rows.map((r) => ({ serverId: r.serverId, t: r.bucket.getTime(), maxChildrenReached: r.maxChildrenReached }));
}

export type LatestFpm = FpmFigures & { app: string; server: string; at: Date; listenQueue: number | null };

/**
 * The newest sample of every pool that reported within `since` (for /api/metrics): one
 * statement, a LATERAL lookup per placement rather than a scan of the samples.
 */
export async function latestFpmSamples(db: Db, since: Date): Promise<LatestFpm[]> {
  const result = (await db.execute(sql`
    select a.slug as app, sv.name as server, s.at, s.active, s.idle, s.total, s.max_children_reached,
           s.slow_requests, s.accepted_conn, s.listen_queue
    from ${appServers} p
    join ${apps} a on a.id = p.app_id
    join ${servers} sv on sv.id = p.server_id
    cross join lateral (
      select f.* from ${fpmSamples} f
      where f.app_id = p.app_id and f.server_id = p.server_id and f.at >= ${since.toISOString()}::timestamptz
      order by f.at desc
      limit 1
    ) s
    order by a.slug, sv.name`)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows.map((r) => ({
    app: String(r.app),
    server: String(r.server),
    at: new Date(r.at as string | Date),
    active: Number(r.active),
    idle: Number(r.idle),
    total: Number(r.total),
    maxChildrenReached: Number(r.max_children_reached),
    slowRequests: Number(r.slow_requests),
    acceptedConn: Number(r.accepted_conn),
    listenQueue: r.listen_queue === null || r.listen_queue === undefined ? null : Number(r.listen_queue),
  }));
}

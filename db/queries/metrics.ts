import { and, count, desc, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apps, checkRollups, monitors, releases } from '../schema';

// The reads behind /api/metrics: one grouped statement each, whatever the number of monitors,
// apps or releases (a scrape every 15 s must not grow with them in round trips).

export type MonitorMetric = {
  id: string;
  name: string;
  kind: string;
  app: string | null;
  state: string;
  paused: boolean;
  lastLatencyMs: number | null;
  checks24h: number;
  failures24h: number;
};

/** Every monitor with its 24 h check counts from the minute rollups (kept ≥ 24 h by the settings' floor). */
export async function monitorMetrics(db: Db, since: Date): Promise<MonitorMetric[]> {
  const r = db
    .select({
      monitorId: checkRollups.monitorId,
      checks: sql<number>`sum(${checkRollups.checks})::float8`.as('checks'),
      failures: sql<number>`sum(${checkRollups.failures})::float8`.as('failures'),
    })
    .from(checkRollups)
    .where(and(eq(checkRollups.res, 60), gte(checkRollups.bucket, since)))
    .groupBy(checkRollups.monitorId)
    .as('r');
  const rows = await db
    .select({
      id: monitors.id,
      name: monitors.name,
      kind: monitors.kind,
      app: apps.slug,
      state: monitors.state,
      paused: monitors.paused,
      lastLatencyMs: monitors.lastLatencyMs,
      checks: r.checks,
      failures: r.failures,
    })
    .from(monitors)
    .leftJoin(apps, eq(apps.id, monitors.appId))
    .leftJoin(r, eq(r.monitorId, monitors.id))
    .orderBy(monitors.name);
  return rows.map((x) => ({ ...x, checks24h: Number(x.checks ?? 0), failures24h: Number(x.failures ?? 0) }));
}

export const FINISHED_RELEASE_STATUSES = ['succeeded', 'failed', 'rolled_back', 'interrupted', 'cancelled'] as const;

export type ReleaseCount = { app: string; status: string; releases: number; seconds: number };

/** Finished releases per app and outcome, with the total time they took (started → finished). */
export async function releaseCounts(db: Db): Promise<ReleaseCount[]> {
  const rows = await db
    .select({
      app: apps.slug,
      status: releases.status,
      releases: count(),
      seconds: sql<number>`coalesce(sum(extract(epoch from ${releases.finishedAt} - ${releases.startedAt})), 0)::float8`,
    })
    .from(releases)
    .innerJoin(apps, eq(apps.id, releases.appId))
    .where(inArray(releases.status, [...FINISHED_RELEASE_STATUSES]))
    .groupBy(apps.slug, releases.status)
    .orderBy(apps.slug, releases.status);
  return rows.map((x) => ({ ...x, releases: Number(x.releases), seconds: Number(x.seconds) }));
}

export type LastRelease = { app: string; kind: string; status: string; seconds: number };

/** The most recently finished release of each app and how long it took. */
export async function lastReleases(db: Db): Promise<LastRelease[]> {
  const rows = await db
    .selectDistinctOn([releases.appId], {
      app: apps.slug,
      kind: releases.kind,
      status: releases.status,
      seconds: sql<number>`extract(epoch from ${releases.finishedAt} - ${releases.startedAt})::float8`,
    })
    .from(releases)
    .innerJoin(apps, eq(apps.id, releases.appId))
    .where(and(isNotNull(releases.finishedAt), isNotNull(releases.startedAt)))
    .orderBy(releases.appId, desc(releases.finishedAt));
  return rows.map((x) => ({ ...x, seconds: Number(x.seconds) }));
}

/** Releases queued or running now, per app. */
export async function activeReleases(db: Db): Promise<{ app: string; releases: number }[]> {
  const rows = await db
    .select({ app: apps.slug, releases: count() })
    .from(releases)
    .innerJoin(apps, eq(apps.id, releases.appId))
    .where(inArray(releases.status, ['queued', 'running']))
    .groupBy(apps.slug);
  return rows.map((x) => ({ app: x.app, releases: Number(x.releases) }));
}

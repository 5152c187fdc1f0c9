import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { fpmSamples, incidents, monitors, releases, servers, type Release } from '../schema';
import { findRelease, successfulDeploys } from './releases';

// The dashboard's cards beside the charts: open incidents, the FPM pools now and the current
// release. Read-only. (The tuning hint reads db/queries/fpm.ts fpmHourlyMaxChildren.)

export type OpenIncident = {
  id: string;
  monitorId: string;
  monitorName: string;
  serverName: string | null;
  cause: string;
  startedAt: Date;
};

/** Incidents still open (no end) on any monitor of the app, newest first. */
export async function openIncidentsOfApp(db: Db, appId: string): Promise<OpenIncident[]> {
  return db
    .select({
      id: incidents.id,
      monitorId: incidents.monitorId,
      monitorName: monitors.name,
      serverName: servers.name,
      cause: incidents.cause,
      startedAt: incidents.startedAt,
    })
    .from(incidents)
    .innerJoin(monitors, eq(monitors.id, incidents.monitorId))
    .leftJoin(servers, eq(servers.id, monitors.serverId))
    .where(and(eq(monitors.appId, appId), isNull(incidents.endedAt)))
    .orderBy(desc(incidents.startedAt))
    .limit(50);
}

export type FpmNow = {
  serverId: string;
  serverName: string;
  at: Date;
  active: number;
  idle: number;
  total: number;
  listenQueue: number | null;
};

/** The newest FPM sample of each of the app's servers (DISTINCT ON over the (app, server, at) index). */
export async function fpmNow(db: Db, appId: string): Promise<FpmNow[]> {
  return db
    .selectDistinctOn([fpmSamples.serverId], {
      serverId: fpmSamples.serverId,
      serverName: servers.name,
      at: fpmSamples.at,
      active: fpmSamples.active,
      idle: fpmSamples.idle,
      total: fpmSamples.total,
      listenQueue: fpmSamples.listenQueue,
    })
    .from(fpmSamples)
    .innerJoin(servers, eq(servers.id, fpmSamples.serverId))
    .where(eq(fpmSamples.appId, appId))
    .orderBy(fpmSamples.serverId, desc(fpmSamples.at));
}

export type CurrentRelease = {
  /** The deploy whose directory is live. */
  live: Release;
  /** The release that made it live: the deploy itself, or the rollback back to it. */
  via: Release;
  /** What one click rolls back to: the newest kept, successful, not-bad deploy older than the live one. */
  rollbackTo: Release | null;
};

/**
 * The same rule as liveDeploy (db/queries/releases.ts) and the releases card: the newest
 * successful release decides, a rollback pointing at its target; plus the one-click target,
 * chosen among the deploys requestRollback accepts (kept: the newest `keep` successful ones).
 */
export async function currentRelease(db: Db, appId: string, keep: number): Promise<CurrentRelease | null> {
  const [via] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.appId, appId), eq(releases.status, 'succeeded')))
    .orderBy(desc(releases.finishedAt))
    .limit(1);
  if (!via) return null;
  const live = via.kind === 'deploy' ? via : via.targetId ? await findRelease(db, via.targetId) : undefined;
  if (!live) return null;
  const kept = (await successfulDeploys(db, appId)).slice(0, keep);
  const rollbackTo = kept.find((d) => d.id !== live.id && !d.bad && (d.number ?? 0) < (live.number ?? 0)) ?? null;
  return { live, via, rollbackTo };
}

import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { fpmSamples, incidents, monitors, servers } from '../schema';

// The dashboard's cards beside the charts: open incidents and the FPM pools now. Read-only.
// (The tuning hint reads db/queries/fpm.ts fpmHourlyMaxChildren; the current release card reads
// lib/releases/rollback-targets.ts, the rollback rule the app page and the API read too.)

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

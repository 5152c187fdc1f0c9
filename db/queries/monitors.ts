import { and, asc, eq, inArray, isNotNull, like, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apps, appServers, monitors, servers, type Monitor, type NewMonitor } from '../schema';

export async function insertMonitor(db: Db, monitor: NewMonitor): Promise<Monitor> {
  const [row] = await db.insert(monitors).values(monitor).returning();
  return row!;
}

export async function findMonitor(db: Db, id: string): Promise<Monitor | undefined> {
  const [row] = await db.select().from(monitors).where(eq(monitors.id, id));
  return row;
}

export async function findMonitorByTokenHash(db: Db, tokenHash: string): Promise<Monitor | undefined> {
  const [row] = await db.select().from(monitors).where(eq(monitors.tokenHash, tokenHash));
  return row;
}

export async function updateMonitor(db: Db, id: string, patch: Partial<NewMonitor>): Promise<void> {
  await db
    .update(monitors)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(monitors.id, id));
}

export async function deleteMonitor(db: Db, id: string): Promise<void> {
  await db.delete(monitors).where(eq(monitors.id, id));
}

/** What the scheduler runs: every monitor (paused ones too, so it can drop them), in one query. */
export async function listMonitorsForScheduler(db: Db): Promise<Monitor[]> {
  return db.select().from(monitors);
}

export type MonitorListRow = Monitor & { appName: string | null; appSlug: string | null; serverName: string | null };

/** The list page: every monitor with its app and server names, in one query. */
export async function listMonitorsWithNames(db: Db): Promise<MonitorListRow[]> {
  const rows = await db
    .select({ monitor: monitors, appName: apps.name, appSlug: apps.slug, serverName: servers.name })
    .from(monitors)
    .leftJoin(apps, eq(monitors.appId, apps.id))
    .leftJoin(servers, eq(monitors.serverId, servers.id))
    .orderBy(asc(monitors.name));
  return rows.map((r) => ({ ...r.monitor, appName: r.appName, appSlug: r.appSlug, serverName: r.serverName }));
}

/**
 * Conditional state changes: only the caller whose update matched performs the transition's
 * side effects (incident, notification), so two racing checks cannot open two incidents.
 */
export async function markDown(db: Db, id: string, at: Date, error: string): Promise<Monitor | undefined> {
  const [row] = await db
    .update(monitors)
    .set({ state: 'down', stateChangedAt: at, lastError: error })
    .where(and(eq(monitors.id, id), ne(monitors.state, 'down'), eq(monitors.paused, false)))
    .returning();
  return row;
}

export async function markUpFromDown(db: Db, id: string, at: Date): Promise<Monitor | undefined> {
  const [row] = await db
    .update(monitors)
    .set({ state: 'up', stateChangedAt: at, lastError: null })
    .where(and(eq(monitors.id, id), eq(monitors.state, 'down'), eq(monitors.paused, false)))
    .returning();
  return row;
}

export async function markUpFromPending(db: Db, id: string, at: Date): Promise<void> {
  await db
    .update(monitors)
    .set({ state: 'up', stateChangedAt: at })
    .where(and(eq(monitors.id, id), eq(monitors.state, 'pending'), eq(monitors.paused, false)));
}

export async function setPaused(db: Db, id: string, paused: boolean): Promise<void> {
  await db
    .update(monitors)
    .set({ paused, state: paused ? 'paused' : 'pending', stateChangedAt: new Date(), updatedAt: new Date() })
    .where(eq(monitors.id, id));
}

/** Pings closer together than this are answered but not recorded (a leaked token must not fill the table). */
export const PING_MIN_GAP_MS = 1000;

/** Records a ping; false (nothing written) when the last recorded ping is less than PING_MIN_GAP_MS old. */
export async function recordPing(db: Db, id: string, at: Date): Promise<boolean> {
  const since = new Date(at.getTime() - PING_MIN_GAP_MS).toISOString();
  const rows = await db
    .update(monitors)
    .set({ lastPingAt: at, lastCheckedAt: at, lastError: null, lastLatencyMs: null })
    .where(and(eq(monitors.id, id), sql`(${monitors.lastPingAt} is null or ${monitors.lastPingAt} <= ${since}::timestamptz)`))
    .returning({ id: monitors.id });
  return rows.length > 0;
}

/**
 * A heartbeat's deadline: period + grace after the last ping (or creation). A pending one was
 * just resumed (or created): its clock starts again then, not at a ping from before the pause.
 */
const heartbeatOverdue = (now: Date) =>
  sql`greatest(coalesce(${monitors.lastPingAt}, ${monitors.createdAt}), case when ${monitors.state} = 'pending' then ${monitors.stateChangedAt} end)
    + make_interval(secs => ${monitors.intervalS} + ${monitors.graceS}) < ${now.toISOString()}::timestamptz`;

/** Heartbeats with no ping within period + grace (heartbeatOverdue), not yet down. */
export async function overdueHeartbeats(db: Db, now: Date): Promise<Monitor[]> {
  return db
    .select()
    .from(monitors)
    .where(and(eq(monitors.kind, 'heartbeat'), eq(monitors.paused, false), ne(monitors.state, 'down'), heartbeatOverdue(now)));
}

/** The same condition inside the update, so a ping that lands in between wins. */
export async function markHeartbeatDown(db: Db, id: string, now: Date, error: string): Promise<Monitor | undefined> {
  const [row] = await db
    .update(monitors)
    .set({ state: 'down', stateChangedAt: now, lastError: error, lastCheckedAt: now })
    .where(and(eq(monitors.id, id), ne(monitors.state, 'down'), eq(monitors.paused, false), heartbeatOverdue(now)))
    .returning();
  return row;
}

/**
 * Down heartbeats whose last recorded result (the ping, the down transition or the previous
 * miss: all set last_checked_at) is a full interval old: moves last_checked_at to `now` and
 * returns them, so each missed ping is claimed once however many sweeps race.
 */
export async function claimMissedHeartbeats(db: Db, now: Date): Promise<Pick<Monitor, 'id' | 'intervalS' | 'lastPingAt'>[]> {
  return db
    .update(monitors)
    .set({ lastCheckedAt: now })
    .where(
      and(
        eq(monitors.kind, 'heartbeat'),
        eq(monitors.state, 'down'),
        eq(monitors.paused, false),
        sql`coalesce(${monitors.lastCheckedAt}, ${monitors.stateChangedAt}, ${monitors.createdAt}) + make_interval(secs => ${monitors.intervalS}) <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .returning({ id: monitors.id, intervalS: monitors.intervalS, lastPingAt: monitors.lastPingAt });
}

// --- Berth's own per-app checks ---

export type WebPlacement = {
  appId: string;
  appName: string;
  config: { domains: string[]; healthCheck?: { path?: string } };
  serverId: string;
  serverName: string;
  host: string;
  bindAddress: string | null;
};

/** Every (app, web server) pair, in one query; a server not provisioned yet (placed by a definition first) serves nothing to check. */
export async function webPlacements(db: Db): Promise<WebPlacement[]> {
  return db
    .select({
      appId: apps.id,
      appName: apps.name,
      config: apps.config,
      serverId: servers.id,
      serverName: servers.name,
      host: servers.host,
      bindAddress: servers.bindAddress,
    })
    .from(appServers)
    .innerJoin(apps, eq(appServers.appId, apps.id))
    .innerJoin(servers, eq(appServers.serverId, servers.id))
    .where(and(sql`'web' = any(${appServers.roles})`, isNotNull(servers.provisionedAt)));
}

/** The per-app HTTP checks (autoKey `app:…`); other kept-in-step monitors (backup dead men, `backup:…`) have their own sync. */
export async function listAutoMonitors(db: Db): Promise<Monitor[]> {
  return db.select().from(monitors).where(like(monitors.autoKey, 'app:%'));
}

export async function insertAutoMonitors(db: Db, rows: NewMonitor[]): Promise<number> {
  if (!rows.length) return 0;
  const inserted = await db.insert(monitors).values(rows).onConflictDoNothing({ target: monitors.autoKey }).returning({ id: monitors.id });
  return inserted.length;
}

export async function deleteMonitors(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.delete(monitors).where(inArray(monitors.id, ids));
}

import { and, desc, eq, max } from 'drizzle-orm';
import type { Db } from '../client';
import { appServers, apps, envRevisions, servers, users, type EnvRevision } from '../schema';

export type EnvRevisionRow = Omit<EnvRevision, 'sealedSnapshot'> & { createdByName: string | null; pulledFromName: string | null };

/** The newest revision number of an app, 0 when it has none. */
export async function latestEnvRevisionNumber(db: Db, appId: string): Promise<number> {
  const [row] = await db
    .select({ n: max(envRevisions.number) })
    .from(envRevisions)
    .where(eq(envRevisions.appId, appId));
  return row?.n ?? 0;
}

export async function findEnvRevision(db: Db, appId: string, number: number): Promise<EnvRevision | undefined> {
  const [row] = await db
    .select()
    .from(envRevisions)
    .where(and(eq(envRevisions.appId, appId), eq(envRevisions.number, number)));
  return row;
}

export async function insertEnvRevision(db: Db, row: typeof envRevisions.$inferInsert): Promise<void> {
  await db.insert(envRevisions).values(row);
}

/** Newest first, without the sealed snapshots: pages list who changed which keys when. */
export async function listEnvRevisions(db: Db, appId: string, limit = 50): Promise<EnvRevisionRow[]> {
  return db
    .select({
      appId: envRevisions.appId,
      number: envRevisions.number,
      changes: envRevisions.changes,
      source: envRevisions.source,
      restoredFrom: envRevisions.restoredFrom,
      pulledFrom: envRevisions.pulledFrom,
      createdBy: envRevisions.createdBy,
      createdAt: envRevisions.createdAt,
      createdByName: users.name,
      pulledFromName: servers.name,
    })
    .from(envRevisions)
    .leftJoin(users, eq(users.id, envRevisions.createdBy))
    .leftJoin(servers, eq(servers.id, envRevisions.pulledFrom))
    .where(eq(envRevisions.appId, appId))
    .orderBy(desc(envRevisions.number))
    .limit(limit);
}

export type EnvPushState = {
  serverId: string;
  serverName: string;
  envRevision: number | null;
  envPushedAt: Date | null;
  envPushError: string | null;
};

/** Which revision each of the app's servers has in shared/.env. */
export async function envPushStates(db: Db, appId: string): Promise<EnvPushState[]> {
  return db
    .select({
      serverId: appServers.serverId,
      serverName: servers.name,
      envRevision: appServers.envRevision,
      envPushedAt: appServers.envPushedAt,
      envPushError: appServers.envPushError,
    })
    .from(appServers)
    .innerJoin(servers, eq(servers.id, appServers.serverId))
    .where(eq(appServers.appId, appId))
    .orderBy(servers.name);
}

/** Records the outcome of writing shared/.env on one server: the revision on success, the reason on failure. */
export async function recordEnvPush(
  db: Db,
  appId: string,
  serverId: string,
  outcome: { revision: number } | { error: string },
): Promise<void> {
  const set =
    'revision' in outcome
      ? { envRevision: outcome.revision, envPushedAt: new Date(), envPushError: null }
      : { envPushError: outcome.error.slice(0, 2000) };
  await db
    .update(appServers)
    .set(set)
    .where(and(eq(appServers.appId, appId), eq(appServers.serverId, serverId)));
}

/** Holds the app row until the transaction ends: saves of one app's environment run one after another. */
export async function lockAppForEnv(tx: Db, appId: string): Promise<boolean> {
  const rows = await tx.select({ id: apps.id }).from(apps).where(eq(apps.id, appId)).for('update');
  return rows.length > 0;
}

/** After a failed release put a server's previous shared/.env back: its revision is what it was (null: unknown to Berth). */
export async function setEnvPushRevision(db: Db, appId: string, serverId: string, revision: number | null): Promise<void> {
  await db
    .update(appServers)
    .set({ envRevision: revision })
    .where(and(eq(appServers.appId, appId), eq(appServers.serverId, serverId)));
}

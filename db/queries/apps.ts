import { and, asc, desc, eq, inArray, isNull, notLike } from 'drizzle-orm';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import type { Db } from '../client';
import { appServers, apps, recipeRuns, servers, type App, type RecipeRun, type Server } from '../schema';

export type Placement = { serverId: string; roles: string[] };

export async function insertApp(db: Db, app: { slug: string; name: string; config: AppConfig }, placements: Placement[]): Promise<App> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(apps).values(app).returning();
    if (placements.length)
      await tx.insert(appServers).values(placements.map((p) => ({ appId: row!.id, serverId: p.serverId, roles: p.roles })));
    return row!;
  });
}

/** Adds the app to servers or changes its roles there, in one transaction. */
export async function upsertPlacements(db: Db, appId: string, placements: Placement[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const p of placements) {
      await tx
        .insert(appServers)
        .values({ appId, serverId: p.serverId, roles: p.roles })
        .onConflictDoUpdate({ target: [appServers.appId, appServers.serverId], set: { roles: p.roles } });
    }
  });
}

/**
 * Stored configs are read through the schema: a row written before a setting existed gets that
 * setting's default (the schema only grows fields with defaults), so old apps keep working.
 * A row that no longer passes the input limits (written before a limit existed: 51 writable
 * paths, a tab in a command word) must still read, or every page listing apps would fail: it is
 * taken as stored over the top-level defaults of its kind, and the next save through a form or a
 * definition meets the limits with a field error.
 */
const withCurrentShape = (row: App): App => {
  const parsed = appConfigInput.safeParse(row.config);
  if (parsed.success) return { ...row, config: parsed.data };
  const stored = row.config as AppConfig;
  const base = appConfigInput.safeParse({ slug: stored.slug, kind: stored.kind, domains: [] });
  return { ...row, config: { ...(base.success ? base.data : {}), ...stored } as AppConfig };
};

export async function findApp(db: Db, id: string): Promise<App | undefined> {
  const [row] = await db.select().from(apps).where(eq(apps.id, id));
  return row && withCurrentShape(row);
}

export async function findAppBySlug(db: Db, slug: string): Promise<App | undefined> {
  const [row] = await db.select().from(apps).where(eq(apps.slug, slug));
  return row && withCurrentShape(row);
}

export async function listApps(db: Db): Promise<App[]> {
  return (await db.select().from(apps).orderBy(asc(apps.slug))).map(withCurrentShape);
}

/** Every server the app has a placement on, the ones being taken off (removingAt) included. */
export async function serversOfApp(db: Db, appId: string): Promise<Server[]> {
  const rows = await db
    .select({ server: servers })
    .from(appServers)
    .innerJoin(servers, eq(appServers.serverId, servers.id))
    .where(eq(appServers.appId, appId))
    .orderBy(asc(servers.name));
  return rows.map((r) => r.server);
}

export async function updateAppConfig(db: Db, id: string, config: AppConfig, name?: string): Promise<void> {
  await db
    .update(apps)
    .set({ config, ...(name && { name }), updatedAt: new Date() })
    .where(eq(apps.id, id));
}

/**
 * The latest run of this app on this server: what the app page shows and what an applied
 * definition retries. Backup runs are not the app's state on the server (a failed verification
 * must not re-queue its configure): they have their own page.
 */
export async function latestAppRun(db: Db, appId: string, serverId: string): Promise<RecipeRun | undefined> {
  const [row] = await db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.appId, appId), eq(recipeRuns.serverId, serverId), notLike(recipeRuns.recipe, 'backup%')))
    .orderBy(desc(recipeRuns.createdAt))
    .limit(1);
  return row;
}

/** Each server of the app with its roles there (web, worker); not one it is being taken off (lib/apps/delete.ts): nothing configures or releases there again. */
export async function placementsOfApp(db: Db, appId: string): Promise<{ server: Server; roles: string[] }[]> {
  return db
    .select({ server: servers, roles: appServers.roles })
    .from(appServers)
    .innerJoin(servers, eq(appServers.serverId, servers.id))
    .where(and(eq(appServers.appId, appId), isNull(appServers.removingAt)))
    .orderBy(asc(servers.name));
}

export async function rolesOnServer(db: Db, appId: string, serverId: string): Promise<string[]> {
  const [row] = await db
    .select({ roles: appServers.roles })
    .from(appServers)
    .where(and(eq(appServers.appId, appId), eq(appServers.serverId, serverId)));
  return row?.roles ?? [];
}

/** Other apps that share any of these servers (for domain and port clashes). */
export async function appsSharingServers(db: Db, serverIds: string[], exceptAppId: string | null): Promise<App[]> {
  if (serverIds.length === 0) return [];
  const rows = await db
    .selectDistinct({ app: apps })
    .from(appServers)
    .innerJoin(apps, eq(appServers.appId, apps.id))
    .where(inArray(appServers.serverId, serverIds));
  return rows.map((r) => withCurrentShape(r.app)).filter((a) => a.id !== exceptAppId);
}

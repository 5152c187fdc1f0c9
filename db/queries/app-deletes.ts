import { and, asc, desc, eq, inArray, isNull, notLike } from 'drizzle-orm';
import type { Db } from '../client';
import { appServers, apps, auditEvents, recipeRuns, servers, taskRuns, type AuditEvent, type RecipeRun, type TaskRun } from '../schema';

/** Taking an app (or one of its servers) away: the rows lib/apps/delete.ts and the teardown job change. */

export async function markAppDeleting(db: Db, appId: string, deleteData: boolean): Promise<void> {
  await db.update(apps).set({ deletingAt: new Date(), deleteData }).where(eq(apps.id, appId));
}

/** One server's placement, or with no server all of the app's (a delete); a mark already set keeps its time. */
export async function markPlacementsRemoving(db: Db, appId: string, serverId?: string): Promise<void> {
  await db
    .update(appServers)
    .set({ removingAt: new Date() })
    .where(and(eq(appServers.appId, appId), isNull(appServers.removingAt), serverId ? eq(appServers.serverId, serverId) : undefined));
}

export async function removePlacement(db: Db, appId: string, serverId: string): Promise<void> {
  await db.delete(appServers).where(and(eq(appServers.appId, appId), eq(appServers.serverId, serverId)));
}

/** The app's row and, by cascade, everything the panel holds for it (releases, runs, monitors, webhooks, env values, backup runs). */
export async function deleteAppRow(db: Db, appId: string): Promise<void> {
  await db.delete(apps).where(eq(apps.id, appId));
}

/** Queued or running work of the app on its servers (configure, env push, teardown): backups are read-only and not counted. */
export async function activeAppRuns(db: Db, appId: string): Promise<RecipeRun[]> {
  return db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.appId, appId), inArray(recipeRuns.status, ['queued', 'running']), notLike(recipeRuns.recipe, 'backup%')));
}

export type TeardownView = { run: RecipeRun; serverName: string; tasks: TaskRun[] };

/** The latest teardown run of the app on each server, with its tasks: what was removed, and what failed. */
export async function latestTeardowns(db: Db, appId: string): Promise<TeardownView[]> {
  const runs = await db
    .select({ run: recipeRuns, serverName: servers.name })
    .from(recipeRuns)
    .innerJoin(servers, eq(recipeRuns.serverId, servers.id))
    .where(and(eq(recipeRuns.appId, appId), eq(recipeRuns.recipe, 'teardown')))
    .orderBy(desc(recipeRuns.createdAt));
  const latest = runs.filter((r, i) => runs.findIndex((q) => q.run.serverId === r.run.serverId) === i);
  if (!latest.length) return [];
  const tasks = await db
    .select()
    .from(taskRuns)
    .where(
      inArray(
        taskRuns.runId,
        latest.map((r) => r.run.id),
      ),
    )
    .orderBy(taskRuns.position);
  return latest
    .map((r) => ({ ...r, tasks: tasks.filter((t) => t.runId === r.run.id) }))
    .sort((a, b) => a.serverName.localeCompare(b.serverName));
}

/** The audit event a finished delete wrote (lib/apps/delete-job.ts): the report the page shows once the app is gone. */
export async function deletedAppEvent(db: Db, appId: string): Promise<AuditEvent | undefined> {
  const [row] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, 'app.deleted'), eq(auditEvents.target, `app:${appId}`)))
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return row;
}

/** The slugs of apps placed on the server, those being taken off it included. */
export async function appsUsingServer(db: Db, serverId: string): Promise<string[]> {
  const rows = await db
    .select({ slug: apps.slug })
    .from(appServers)
    .innerJoin(apps, eq(appServers.appId, apps.id))
    .where(eq(appServers.serverId, serverId))
    .orderBy(asc(apps.slug));
  return rows.map((r) => r.slug);
}

/** The server's row and, by cascade, its samples, runs, findings, certificates and snapshots records. */
export async function deleteServerRow(db: Db, serverId: string): Promise<void> {
  await db.delete(servers).where(eq(servers.id, serverId));
}

import type { Db } from '@/db';
import { findApp, findAppBySlug, insertApp, placementsOfApp, updateAppConfig, upsertPlacements, type Placement } from '@/db/queries/apps';
import { createRun, updateRun } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { App, RecipeRun } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { isUniqueViolation, serverKey, type Enqueue } from '@/lib/servers/requests';
import type { AppConfig } from './config';

/** Every chosen server must exist, be pinned and provisioned, and have the app's PHP version; one must serve web. */
async function checkPlacements(db: Db, config: AppConfig, placements: Placement[]): Promise<void> {
  if (placements.length === 0) throw new ActionError('Choose at least one server.', { serverIds: ['Choose at least one server'] });
  if (!placements.some((p) => p.roles.includes('web'))) throw new ActionError('At least one server must serve web.', { serverIds: ['Give at least one server the web role'] });
  for (const { serverId } of placements) {
    const server = await findServer(db, serverId);
    if (!server) throw new ActionError('A chosen server does not exist.', { serverIds: ['Unknown server'] });
    if (!server.provisionedAt || server.hostKeyMismatchAt) throw new ActionError(`${server.name} is not provisioned yet.`, { serverIds: [`${server.name} is not provisioned yet`] });
    if (config.kind === 'php' && !server.phpVersions.includes(config.phpVersion)) {
      throw new ActionError(`PHP ${config.phpVersion} is not available on ${server.name}.`, { phpVersion: [`${server.name} has PHP ${server.phpVersions.join(', ')}`] });
    }
  }
}

/** Workers pinned to servers must name worker servers of this app. */
function checkWorkerServers(config: AppConfig, placements: Placement[]): void {
  const workerServers = new Set(placements.filter((p) => p.roles.includes('worker')).map((p) => p.serverId));
  const stray = config.workers.find((w) => w.serverIds.some((id) => !workerServers.has(id)));
  if (stray) throw new ActionError(`Worker ${stray.name} names a server without the worker role.`, { workers: [`${stray.name}: choose servers with the worker role`] });
}

export async function createApp(db: Db, input: { name: string; config: AppConfig; placements: Placement[] }): Promise<App> {
  if (await findAppBySlug(db, input.config.slug)) throw new ActionError('An app with this slug exists.', { slug: ['Already in use'] });
  await checkPlacements(db, input.config, input.placements);
  checkWorkerServers(input.config, input.placements);
  return insertApp(db, { slug: input.config.slug, name: input.name, config: input.config }, input.placements);
}

async function existingApp(db: Db, appId: string): Promise<App> {
  const app = await findApp(db, appId);
  if (!app) throw new ActionError('That app does not exist.');
  return app;
}

export async function updateApp(db: Db, appId: string, config: AppConfig, name?: string): Promise<App> {
  const app = await existingApp(db, appId);
  if (config.slug !== app.slug || config.kind !== app.config.kind) throw new ActionError('The slug and kind cannot change: they name the app’s user, directories and runtime.');
  const placements = (await placementsOfApp(db, appId)).map((p) => ({ serverId: p.server.id, roles: p.roles }));
  await checkPlacements(db, config, placements);
  checkWorkerServers(config, placements);
  await updateAppConfig(db, appId, config, name);
  return app;
}

/** Adds servers to the app or changes its roles on them. Removing a server is not offered yet (its files would stay). */
export async function placeApp(db: Db, appId: string, changes: Placement[]): Promise<App> {
  const app = await existingApp(db, appId);
  const current = new Map((await placementsOfApp(db, appId)).map((p) => [p.server.id, p.roles]));
  for (const c of changes) current.set(c.serverId, c.roles);
  const placements = [...current].map(([serverId, roles]) => ({ serverId, roles }));
  await checkPlacements(db, app.config, placements);
  checkWorkerServers(app.config, placements);
  await upsertPlacements(db, appId, changes);
  return app;
}

/** Queues "configure" on each of the app's servers (one run per server, behind that server's other work). */
export async function requestConfigure(db: Db, enqueue: Enqueue, appId: string, userId: number): Promise<RecipeRun[]> {
  await existingApp(db, appId);
  const runs: RecipeRun[] = [];
  for (const { server } of await placementsOfApp(db, appId)) {
    let run: RecipeRun;
    try {
      run = await createRun(db, { serverId: server.id, appId, recipe: 'configure', requestedBy: userId });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ActionError(`${server.name} is busy with another run; try again when it finishes.`);
      throw err;
    }
    try {
      await enqueue({ kind: 'configure', runId: run.id }, serverKey(server.id));
    } catch (err) {
      await updateRun(db, run.id, { status: 'failed', error: 'Could not queue the run.', finishedAt: new Date() });
      throw err;
    }
    runs.push(run);
  }
  return runs;
}

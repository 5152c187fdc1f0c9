import type { Db } from '@/db';
import { findApp, findAppBySlug, insertApp, serversOfApp, updateAppConfig } from '@/db/queries/apps';
import { createRun, updateRun } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { App, RecipeRun } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { isUniqueViolation, serverKey, type Enqueue } from '@/lib/servers/requests';
import type { AppConfig } from './config';

/** Every chosen server must exist, be pinned and provisioned, and have the app's PHP version. */
async function checkServers(db: Db, config: AppConfig, serverIds: string[]): Promise<void> {
  if (serverIds.length === 0) throw new ActionError('Choose at least one server.', { serverIds: ['Choose at least one server'] });
  for (const id of serverIds) {
    const server = await findServer(db, id);
    if (!server) throw new ActionError('A chosen server does not exist.', { serverIds: ['Unknown server'] });
    if (!server.provisionedAt || server.hostKeyMismatchAt) throw new ActionError(`${server.name} is not provisioned yet.`, { serverIds: [`${server.name} is not provisioned yet`] });
    if (config.kind === 'php' && !server.phpVersions.includes(config.phpVersion)) {
      throw new ActionError(`PHP ${config.phpVersion} is not available on ${server.name}.`, { phpVersion: [`${server.name} has PHP ${server.phpVersions.join(', ')}`] });
    }
  }
}

export async function createApp(db: Db, input: { name: string; config: AppConfig; serverIds: string[] }): Promise<App> {
  if (await findAppBySlug(db, input.config.slug)) throw new ActionError('An app with this slug exists.', { slug: ['Already in use'] });
  await checkServers(db, input.config, input.serverIds);
  return insertApp(db, { slug: input.config.slug, name: input.name, config: input.config }, input.serverIds);
}

export async function updateApp(db: Db, appId: string, config: AppConfig): Promise<App> {
  const app = await findApp(db, appId);
  if (!app) throw new ActionError('That app does not exist.');
  if (config.slug !== app.slug) throw new ActionError('The slug cannot change: it names the app’s user and directories.');
  await checkServers(db, config, (await serversOfApp(db, appId)).map((s) => s.id));
  await updateAppConfig(db, appId, config);
  return app;
}

/** Queues "configure" on each of the app's servers (one run per server, behind that server's other work). */
export async function requestConfigure(db: Db, enqueue: Enqueue, appId: string, userId: number): Promise<RecipeRun[]> {
  const app = await findApp(db, appId);
  if (!app) throw new ActionError('That app does not exist.');
  const runs: RecipeRun[] = [];
  for (const server of await serversOfApp(db, appId)) {
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

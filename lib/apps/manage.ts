import type { Db } from '@/db';
import {
  appsSharingServers,
  findApp,
  findAppBySlug,
  insertApp,
  placementsOfApp,
  updateAppConfig,
  upsertPlacements,
  type Placement,
} from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { activeRunFor, createRun, updateRun } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { App, RecipeRun } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { isUniqueViolation, serverKey, type Enqueue } from '@/lib/servers/requests';
import type { AppConfig } from '@/lib/model/app-config';

/**
 * Every chosen server must exist, be pinned and provisioned, and have the app's PHP version; one
 * must serve web; no other app on those servers may claim the same domain or port. A definition
 * (lib/spec) may place apps on servers that are not ready yet (`pending`): they are configured
 * once the server is pinned and provisioned.
 */
export type PlacementRules = { pending?: boolean };

async function checkPlacements(
  db: Db,
  config: AppConfig,
  placements: Placement[],
  appId: string | null = null,
  rules: PlacementRules = {},
): Promise<void> {
  if (placements.length === 0) throw new ActionError('Choose at least one server.', { serverIds: ['Choose at least one server'] });
  if (!placements.some((p) => p.roles.includes('web')))
    throw new ActionError('At least one server must serve web.', { serverIds: ['Give at least one server the web role'] });
  // The credentials point at 127.0.0.1: right only while the app has one server (see README).
  if ((config.dataServices.postgres || config.dataServices.redis) && placements.length > 1) {
    throw new ActionError('Data services work for apps on one server for now.', {
      postgres: ['Turn data services off, or keep the app on one server'],
    });
  }
  await checkClashes(db, config, placements, appId);
  for (const { serverId } of placements) {
    const server = await findServer(db, serverId);
    if (!server) throw new ActionError('A chosen server does not exist.', { serverIds: ['Unknown server'] });
    if (server.hostKeyMismatchAt)
      throw new ActionError(`${server.name}'s host key changed: an admin must re-pin it first.`, {
        serverIds: [`${server.name}'s host key changed`],
      });
    if (!server.provisionedAt && !rules.pending)
      throw new ActionError(`${server.name} is not provisioned yet.`, { serverIds: [`${server.name} is not provisioned yet`] });
    if (config.kind === 'php' && !server.phpVersions.includes(config.phpVersion)) {
      throw new ActionError(`PHP ${config.phpVersion} is not available on ${server.name}.`, {
        phpVersion: [`${server.name} has PHP ${server.phpVersions.join(', ')}`],
      });
    }
  }
}

/** nginx would serve only one of two apps with the same name, and two processes cannot share a port. */
async function checkClashes(db: Db, config: AppConfig, placements: Placement[], appId: string | null): Promise<void> {
  for (const other of await appsSharingServers(
    db,
    placements.map((p) => p.serverId),
    appId,
  )) {
    const domain = config.domains.find((d) => other.config.domains.includes(d));
    if (domain)
      throw new ActionError(`${domain} is already served by ${other.name} on a shared server.`, {
        domains: [`${domain} belongs to ${other.name}`],
      });
    // A process app holds port and port + 1 (its two release slots): the pairs must not overlap.
    if (
      config.kind === 'process' &&
      other.config.kind === 'process' &&
      config.port &&
      other.config.port &&
      Math.abs(config.port - other.config.port) <= 1
    ) {
      const taken =
        config.port === other.config.port ? `Port ${config.port} is` : `Ports ${other.config.port}–${other.config.port + 1} are`;
      throw new ActionError(`${taken} already used by ${other.name} on a shared server.`, {
        port: [`${other.name} listens on ${other.config.port} and ${other.config.port + 1}`],
      });
    }
  }
}

/** Workers pinned to servers must name worker servers of this app. */
function checkWorkerServers(config: AppConfig, placements: Placement[]): void {
  const workerServers = new Set(placements.filter((p) => p.roles.includes('worker')).map((p) => p.serverId));
  const stray = config.workers.find((w) => w.serverIds.some((id) => !workerServers.has(id)));
  if (stray)
    throw new ActionError(`Worker ${stray.name} names a server without the worker role.`, {
      workers: [`${stray.name}: choose servers with the worker role`],
    });
}

export async function createApp(
  db: Db,
  input: { name: string; config: AppConfig; placements: Placement[] },
  rules: PlacementRules = {},
): Promise<App> {
  if (await findAppBySlug(db, input.config.slug)) throw new ActionError('An app with this slug exists.', { slug: ['Already in use'] });
  await checkPlacements(db, input.config, input.placements, null, rules);
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
  if (config.slug !== app.slug || config.kind !== app.config.kind)
    throw new ActionError('The slug and kind cannot change: they name the app’s user, directories and runtime.');
  const placements = (await placementsOfApp(db, appId)).map((p) => ({ serverId: p.server.id, roles: p.roles }));
  await checkPlacements(db, config, placements, appId);
  checkWorkerServers(config, placements);
  await updateAppConfig(db, appId, config, name);
  return app;
}

/**
 * A definition's app (lib/spec/apply.ts): its config and its whole set of placements, checked
 * together and written together. A server new to the app must be ready (pinned, provisioned, its
 * key held): a release needs every server of the app, so an app already running is never placed
 * where it cannot be released. A new app may wait for its servers (createApp with `pending`).
 */
export async function redefineApp(
  db: Db,
  appId: string,
  input: { name: string; config: AppConfig; placements: Placement[] },
  rules: PlacementRules = {},
): Promise<App> {
  const app = await existingApp(db, appId);
  if (input.config.slug !== app.slug || input.config.kind !== app.config.kind)
    throw new ActionError('The slug and kind cannot change: they name the app’s user, directories and runtime.');
  const current = new Set((await placementsOfApp(db, appId)).map((p) => p.server.id));
  for (const p of input.placements.filter((q) => !current.has(q.serverId))) {
    const server = await findServer(db, p.serverId);
    if (server && (!server.provisionedAt || !server.hostKeyFingerprint || !server.privateKeySealed))
      throw new ActionError(
        `${server.name} is not ready: pin and provision it before adding it to ${app.slug} (a release needs every server of the app).`,
      );
  }
  await checkPlacements(db, input.config, input.placements, appId, rules);
  checkWorkerServers(input.config, input.placements);
  await upsertPlacements(db, appId, input.placements);
  await updateAppConfig(db, appId, input.config, input.name);
  return app;
}

/** Adds servers to the app or changes its roles on them. Removing a server is not offered yet (its files would stay). */
export async function placeApp(db: Db, appId: string, changes: Placement[]): Promise<App> {
  const app = await existingApp(db, appId);
  const current = new Map((await placementsOfApp(db, appId)).map((p) => [p.server.id, p.roles]));
  for (const c of changes) current.set(c.serverId, c.roles);
  const placements = [...current].map(([serverId, roles]) => ({ serverId, roles }));
  await checkPlacements(db, app.config, placements, appId);
  checkWorkerServers(app.config, placements);
  await upsertPlacements(db, appId, changes);
  return app;
}

/**
 * Queues "configure" on each of the app's servers (one run per server, behind that server's
 * other work). A server that already has this app's configure queued is left as it is: the run
 * reads the app's settings when it starts, so it applies the new ones too. A server busy with
 * other work is reported, not failed: the settings are saved either way.
 */
export async function requestConfigure(
  db: Db,
  enqueue: Enqueue,
  appId: string,
  userId: number,
): Promise<{ runs: RecipeRun[]; busy: string[] }> {
  await existingApp(db, appId);
  const runs: RecipeRun[] = [];
  const busy: string[] = [];
  const placements = await placementsOfApp(db, appId);
  // A release of the app rewrites the same files (process slots, the live include): not both at once.
  if (await activeRelease(db, appId)) return { runs, busy: placements.map((p) => p.server.name) };
  for (const { server } of placements) {
    // Not ready (a definition placed the app there first): configure runs once it is provisioned.
    if (!server.provisionedAt || !server.hostKeyFingerprint || !server.privateKeySealed) continue;
    let run: RecipeRun;
    try {
      run = await createRun(db, { serverId: server.id, appId, recipe: 'configure', requestedBy: userId });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const active = await activeRunFor(db, server.id);
      if (!(active?.status === 'queued' && active.recipe === 'configure' && active.appId === appId)) busy.push(server.name);
      continue;
    }
    try {
      await enqueue({ kind: 'configure', runId: run.id }, serverKey(server.id));
    } catch (err) {
      await updateRun(db, run.id, { status: 'failed', error: 'Could not queue the run.', finishedAt: new Date() });
      throw err;
    }
    runs.push(run);
  }
  return { runs, busy };
}

/** What an action tells the person when some servers were busy. */
export const busyNotice = (busy: string[]) =>
  busy.length
    ? {
        notice: `Saved. ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} busy with other work: use “Configure now” when ${busy.length === 1 ? 'it finishes' : 'they finish'}.`,
      }
    : null;

import type { Db } from '@/db';
import { activeAppRuns, markAppDeleting, markPlacementsRemoving } from '@/db/queries/app-deletes';
import { findApp, placementsOfApp, serversOfApp } from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { createRun, updateRun } from '@/db/queries/runs';
import type { App, RecipeRun } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { isUniqueViolation, serverKey, type Enqueue } from '@/lib/servers/requests';
import { finishDelete } from './delete-job';

/**
 * Deleting an app, or taking it off one server. The state model: the app is marked deleting
 * (or the placement removing), then one teardown run per server is queued; each server's
 * placement row goes only when its teardown succeeds (lib/apps/delete-job.ts), so a server that
 * was down keeps its placement and its failed run, and "Delete" again retries just those. When
 * the last placement of a deleting app goes, so does the app's row with everything the panel held.
 *
 * A delete while the app deploys or is being configured is refused, not queued: the person sees
 * why at once and deletes when the run ends, and no delete waits behind work it would undo.
 */
export async function refuseWhileBusy(db: Db, app: App): Promise<void> {
  const release = await activeRelease(db, app.id);
  if (release) throw new ActionError(`A release of ${app.slug} is ${release.status}: delete it when that ends.`, undefined, 'conflict');
  const runs = (await activeAppRuns(db, app.id)).filter((r) => r.recipe !== 'teardown');
  if (runs.length)
    throw new ActionError(`${app.slug} has a ${runs[0]!.recipe} run ${runs[0]!.status}: delete it when that ends.`, undefined, 'conflict');
}

/** One teardown run on the server, queued behind that server's other work. A run already queued or running there is kept. */
async function queueTeardown(db: Db, enqueue: Enqueue, app: App, serverId: string, userId: number | null): Promise<RecipeRun | null> {
  let run: RecipeRun;
  try {
    run = await createRun(db, { serverId, appId: app.id, recipe: 'teardown', requestedBy: userId });
  } catch (err) {
    // The server's one active run (provision, configure, another app's teardown): the caller reports it busy.
    if (isUniqueViolation(err)) return null;
    throw err;
  }
  try {
    await enqueue({ kind: 'teardown', runId: run.id }, serverKey(serverId));
  } catch (err) {
    await updateRun(db, run.id, { status: 'failed', error: 'Could not queue the run.', finishedAt: new Date() });
    throw err;
  }
  return run;
}

/** `dataDir`: the panel's, where the app's git mirror is (finishDelete removes it). */
export type DeleteRequest = { appId: string; confirmSlug: string; deleteData: boolean; userId: number | null; dataDir?: string };
export type DeleteQueued = { app: App; queued: string[]; busy: string[] };

/**
 * Admin-only (the action checks the role). The typed slug must match. A retry (the app already
 * deleting) queues teardown again where placements are left; the data choice can only grow.
 */
export async function requestDeleteApp(db: Db, enqueue: Enqueue, req: DeleteRequest): Promise<DeleteQueued> {
  const app = await findApp(db, req.appId);
  if (!app) throw new ActionError('That app does not exist.');
  if (req.confirmSlug.trim() !== app.slug)
    throw new ActionError('Type the app’s slug to confirm.', { confirmSlug: [`Type ${app.slug} exactly`] });
  await refuseWhileBusy(db, app);
  const deleteData = req.deleteData || app.deleteData;
  await markAppDeleting(db, app.id, deleteData);
  await markPlacementsRemoving(db, app.id);
  const marked = { ...app, deletingAt: app.deletingAt ?? new Date(), deleteData };
  const queued: string[] = [];
  const busy: string[] = [];
  const servers = await serversOfApp(db, app.id);
  // Every server is clean already, but the panel's side did not follow (it stopped between the
  // last teardown and finishDelete): with nothing left to queue, Delete again finishes it here.
  if (servers.length === 0 && req.dataDir !== undefined) await finishDelete(db, marked, req.dataDir, req.userId);
  for (const server of servers) {
    const run = await queueTeardown(db, enqueue, marked, server.id, req.userId);
    (run ? queued : busy).push(server.name);
  }
  return { app: marked, queued, busy };
}

/**
 * Takes the app off one server: the same teardown there only. The app must keep a web server,
 * and a worker pinned to that server must be moved first (its config names the server).
 */
export async function requestRemoveServer(
  db: Db,
  enqueue: Enqueue,
  req: { appId: string; serverId: string; userId: number | null },
): Promise<{ serverName: string; queued: boolean }> {
  const app = await findApp(db, req.appId);
  if (!app) throw new ActionError('That app does not exist.');
  if (app.deletingAt) throw new ActionError('This app is being deleted.');
  const placements = await placementsOfApp(db, app.id);
  const target = placements.find((p) => p.server.id === req.serverId);
  if (!target) {
    // Already being taken off (placementsOfApp leaves it out): a removal whose teardown failed,
    // say with the server down. Asking again retries it; the checks below passed the first time.
    const removing = (await serversOfApp(db, app.id)).find((s) => s.id === req.serverId);
    if (!removing) throw new ActionError('The app is not on that server.');
    await refuseWhileBusy(db, app);
    const busy = await takeOffServers(db, enqueue, app, [req.serverId], req.userId);
    return { serverName: removing.name, queued: busy.length === 0 };
  }
  if (!placements.some((p) => p.server.id !== req.serverId && p.roles.includes('web')))
    throw new ActionError(`${target.server.name} is the app’s only web server: add another first, or delete the app.`);
  const pinned = app.config.workers.find((w) => w.serverIds.includes(req.serverId));
  if (pinned) throw new ActionError(`Worker ${pinned.name} is pinned to ${target.server.name}: move it in the settings first.`);
  await refuseWhileBusy(db, app);
  const busy = await takeOffServers(db, enqueue, app, [req.serverId], req.userId);
  return { serverName: target.server.name, queued: busy.length === 0 };
}

/**
 * Marks the placements removing (nothing configures or releases there again) and queues their
 * teardown; returns the servers busy with other work (their teardown is asked for again later:
 * "Remove" again, or the next apply of a definition). The checks are the caller's.
 */
export async function takeOffServers(db: Db, enqueue: Enqueue, app: App, serverIds: string[], userId: number | null): Promise<string[]> {
  const busy: string[] = [];
  for (const serverId of serverIds) {
    await markPlacementsRemoving(db, app.id, serverId);
    if (!(await queueTeardown(db, enqueue, app, serverId, userId))) busy.push(serverId);
  }
  return busy;
}

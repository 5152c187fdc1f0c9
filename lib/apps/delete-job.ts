import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '@/db';
import { deleteAppRow, latestTeardowns, removePlacement } from '@/db/queries/app-deletes';
import { findApp, serversOfApp } from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { updateRun } from '@/db/queries/runs';
import type { App } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import type { KeyRing } from '@/lib/crypto';
import { runEnvSecrets } from '@/lib/env/secrets';
import { runRecipe } from '@/lib/jobs/runner';
import { teardownRecipe, type TeardownContext } from '@/lib/recipes/teardown';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { configureContextFor, contextOrFailRun } from './configure-context';

/** What stays after a delete, said in the report: Berth never deletes backups it cannot undo. */
export const KEPT_AFTER_DELETE = ['backup repositories on their targets (restic snapshots stay; forget them there if unwanted)'];

export type DeleteReport = {
  slug: string;
  deleteData: boolean;
  servers: { server: string; removed: string[] }[];
  kept: string[];
};

/**
 * The job side of a teardown on one server (lib/apps/delete.ts queued it). Success removes the
 * app's placement there; a failure (the server down, a task refused) leaves the placement and the
 * failed run, which the page reports and "Delete" again retries. When a deleting app has no
 * placement left, the panel's side goes too (finishDelete).
 */
export async function runTeardown(db: Db, ring: KeyRing, runId: string, signal: AbortSignal, dataDir: string): Promise<void> {
  const started = await startQueuedRun(db, ring, runId, { secrets: runEnvSecrets(db, ring) });
  if (!started) return;
  const { run, server, transport } = started;
  const app = run.appId ? await findApp(db, run.appId) : undefined;
  if (!app) return void (await updateRun(db, runId, { status: 'failed', error: 'The app no longer exists.', finishedAt: new Date() }));
  if (await activeRelease(db, app.id))
    return void (await updateRun(db, runId, { status: 'failed', error: 'A release of this app is running.', finishedAt: new Date() }));
  // No key ring: teardown needs no credentials or certificate keys, only the names and where the data lives.
  const base = await contextOrFailRun(db, runId, configureContextFor(db, app, server));
  if (!base) return;
  const ctx: TeardownContext = { ...base, roles: [], tlsPaths: undefined, dropData: !!app.deletingAt && app.deleteData };
  const result = await runRecipe(db, runId, teardownRecipe, ctx, transport, signal);
  if (!result.ok) return;
  await teardownSucceeded(db, app, server.id, dataDir, run.requestedBy);
}

/**
 * The server is clean: its placement goes, and if that was the last one of a deleting app, the
 * app goes too. `startedAs` is the app as the run read it when it started; it is read again here:
 * a server's removal may have started before the app's delete was asked for, and end last.
 */
export async function teardownSucceeded(db: Db, startedAs: App, serverId: string, dataDir: string, requestedBy: number | null) {
  await removePlacement(db, startedAs.id, serverId);
  const app = await findApp(db, startedAs.id);
  if (app?.deletingAt && (await serversOfApp(db, app.id)).length === 0) await finishDelete(db, app, dataDir, requestedBy);
}

/**
 * Every server is clean: the report goes to the audit trail (it outlives the app's rows), then the
 * app's row goes, and with it by cascade its releases, runs, monitors, webhooks, env values and
 * backup runs; then its git mirror on the panel.
 */
export async function finishDelete(db: Db, app: App, dataDir: string, requestedBy: number | null): Promise<DeleteReport> {
  const teardowns = await latestTeardowns(db, app.id);
  const report: DeleteReport = {
    slug: app.slug,
    deleteData: app.deleteData,
    servers: teardowns.map((t) => ({
      server: t.serverName,
      removed: t.tasks.filter((task) => task.status === 'changed' && task.summary).map((task) => `${task.name}: ${task.summary}`),
    })),
    kept: [...KEPT_AFTER_DELETE, ...(app.deleteData ? [] : dataKept(app))],
  };
  await recordAudit(db, {
    action: 'app.deleted',
    target: `app:${app.id}`,
    outcome: 'success',
    details: { ...report, requestedBy },
  });
  await deleteAppRow(db, app.id);
  await fs.rm(path.join(dataDir, 'mirrors', app.id), { recursive: true, force: true });
  return report;
}

function dataKept(app: App): string[] {
  const { postgres, redis } = app.config.dataServices;
  return [
    postgres && 'its PostgreSQL database and role (not asked to delete them)',
    redis && 'its Redis ACL user (not asked to delete it)',
  ].filter((x): x is string => !!x);
}

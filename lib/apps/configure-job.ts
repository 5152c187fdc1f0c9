import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { updateRun } from '@/db/queries/runs';
import type { KeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { runRecipe } from '@/lib/recipes/runner';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { configureContextFor } from './configure-context';

/** The job side of "Configure": one server, one connection, the configure recipe. */
export async function runConfigure(db: Db, ring: KeyRing, runId: string, signal: AbortSignal): Promise<void> {
  const started = await startQueuedRun(db, ring, runId);
  if (!started) return;
  const { run, server, transport } = started;
  const app = run.appId ? await findApp(db, run.appId) : undefined;
  if (!app) return void (await updateRun(db, runId, { status: 'failed', error: 'The app no longer exists.', finishedAt: new Date() }));
  await runRecipe(db, runId, configureRecipe, await configureContextFor(db, app, server), transport, signal);
}

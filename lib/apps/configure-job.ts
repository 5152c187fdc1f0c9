import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { updateRun } from '@/db/queries/runs';
import { readEnv, type AcmeSettings } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { runRecipe } from '@/lib/recipes/runner';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { recordAcmeCertificate } from './certificates';
import { configureContextFor } from './configure-context';

/**
 * The job side of "Configure": one server, one connection, the configure recipe. The ACME
 * settings come from the panel's environment (validated at boot); tests pass their own.
 */
export async function runConfigure(db: Db, ring: KeyRing, runId: string, signal: AbortSignal, acme: AcmeSettings = readEnv().acme): Promise<void> {
  const started = await startQueuedRun(db, ring, runId);
  if (!started) return;
  const { run, server, transport } = started;
  const app = run.appId ? await findApp(db, run.appId) : undefined;
  if (!app) return void (await updateRun(db, runId, { status: 'failed', error: 'The app no longer exists.', finishedAt: new Date() }));
  const ctx = await configureContextFor(db, app, server, ring, acme);
  // What certbot issued is recorded before the run shows success, so the page shows it at once.
  const recordTls = async () => {
    if (ctx.servedAcmeCertificate) await recordAcmeCertificate(db, app.id, server.id, ctx.servedAcmeCertificate);
  };
  await runRecipe(db, runId, configureRecipe, ctx, transport, signal, recordTls);
}

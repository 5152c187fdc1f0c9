import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { activeRunFor, createRun, updateRun } from '@/db/queries/runs';
import type { RecipeRun } from '@/db/schema';
import { isUniqueViolation, serverKey, type Enqueue } from '@/lib/servers/requests';
import { updateServer } from '@/db/queries/servers';
import type { Service } from '@/lib/recipes/provision/context';
import { readEnv, type AcmeSettings } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import { runEnvSecrets } from '@/lib/env/secrets';
import { configureRecipe } from '@/lib/recipes/configure';
import { runRecipe } from '@/lib/jobs/runner';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { recordTlsOutcome } from './certificates';
import { configureContextFor, contextOrFailRun } from './configure-context';
import { recordRedisAcl } from './data-services';

/**
 * The job side of "Configure": one server, one connection, the configure recipe. The ACME
 * settings come from the panel's environment (validated at boot); tests pass their own.
 */
export async function runConfigure(
  db: Db,
  ring: KeyRing,
  runId: string,
  signal: AbortSignal,
  acme: AcmeSettings = readEnv().acme,
): Promise<void> {
  // The app's env values are hidden from everything the run logs and every error it stores.
  const started = await startQueuedRun(db, ring, runId, { secrets: runEnvSecrets(db, ring) });
  if (!started) return;
  const { run, server, transport } = started;
  const app = run.appId ? await findApp(db, run.appId) : undefined;
  if (!app) return void (await updateRun(db, runId, { status: 'failed', error: 'The app no longer exists.', finishedAt: new Date() }));
  if (await activeRelease(db, app.id))
    return void (await updateRun(db, runId, {
      status: 'failed',
      error: 'A release of this app is running; configure again when it ends.',
      finishedAt: new Date(),
    }));
  const ctx = await contextOrFailRun(db, runId, configureContextFor(db, app, server, ring, acme));
  if (!ctx) return;
  // A failed run may have written a file (say, the pool) and stopped before the services task
  // reloaded it; that reload stays owed on the server row until a run pays it.
  for (const service of server.pendingReload as Service[]) ctx.reload.add(service);
  // What certbot issued (or deleted) is recorded before the run shows success, so the page shows it at once;
  // and after a failure too, since the tls task may have got that far.
  const beforeSuccess = async () => {
    await recordTlsOutcome(db, app.id, server.id, ctx);
    await updateServer(db, server.id, { pendingReload: [] });
  };
  const result = await runRecipe(db, runId, configureRecipe, ctx, transport, signal, beforeSuccess);
  // Whether the data server's Redis has ACLs decides whether the app keeps REDIS_USERNAME/REDIS_PASSWORD.
  await recordRedisAcl(db, ring, app, ctx.redisAcl);
  if (!result.ok) await recordTlsOutcome(db, app.id, server.id, ctx);
  if (!result.ok) await updateServer(db, server.id, { pendingReload: [...ctx.reload] });
}

/** A configure-apps job hands its rest to a job behind a waiting run at most this often, then leaves it to the next apply. */
const MAX_HAND_ONS = 3;

/**
 * Configures several apps on one server in turn (lib/spec applies a definition this way): the
 * queue runs one job per server at a time, and each app gets its own run, made when its turn
 * comes, so the server's one active run is always the one working. When another request's run is
 * already waiting for this server (its job queued behind this one), the apps left are handed to a
 * new job queued after it, rather than skipped; a waiting configure of the same app covers it.
 */
export async function runConfigureApps(
  db: Db,
  ring: KeyRing,
  job: { serverId: string; appIds: string[]; requestedBy: number | null; handOns?: number },
  signal: AbortSignal,
  send?: Enqueue,
): Promise<void> {
  for (const [index, appId] of job.appIds.entries()) {
    if (signal.aborted) return;
    let run: RecipeRun;
    try {
      run = await createRun(db, { serverId: job.serverId, appId, recipe: 'configure', requestedBy: job.requestedBy });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const waiting = await activeRunFor(db, job.serverId);
      if (waiting?.status === 'queued' && waiting.recipe === 'configure' && waiting.appId === appId) continue;
      const handOns = job.handOns ?? 0;
      if (!send || handOns >= MAX_HAND_ONS) continue;
      const rest = { kind: 'configure-apps' as const, ...job, appIds: job.appIds.slice(index), handOns: handOns + 1 };
      await send(rest, serverKey(job.serverId));
      return;
    }
    await runConfigure(db, ring, run.id, signal);
  }
}

import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import { recordEnvPush } from '@/db/queries/env-revisions';
import { findRun, interruptRun, updateRun } from '@/db/queries/runs';
import type { App } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import type { AppRole } from '@/lib/recipes/configure/context';
import type { EnvToWrite } from '@/lib/recipes/env/env-file';
import { envPushRecipe, type EnvPushContext } from '@/lib/recipes/env/push';
import { runRecipe } from '@/lib/jobs/runner';
import { startQueuedRun } from '@/lib/servers/queued-run';
import { appEnvSecrets } from './secrets';
import { openEnvRevision } from './store';

type EnvPushPayload = Extract<JobPayload, { kind: 'env-push' }>;
type Placements = Awaited<ReturnType<typeof placementsOfApp>>;

/** A run that ended before its recipe could start: failed with the reason, which the server's push state shows too. */
async function failBeforeStart(db: Db, appId: string, runId: string, error: string): Promise<void> {
  const run = await findRun(db, runId);
  if (!run) return;
  if (run.status === 'queued' || run.status === 'running') await updateRun(db, runId, { status: 'failed', error, finishedAt: new Date() });
  await recordEnvPush(db, appId, run.serverId, { error });
}

/** One server: connect (an unreachable one fails alone), write shared/.env, run the post-push commands and restarts. */
async function pushToServer(
  db: Db,
  ring: KeyRing,
  app: App,
  env: EnvToWrite,
  secrets: string[],
  placements: Placements,
  runId: string,
  signal: AbortSignal,
): Promise<void> {
  const started = await startQueuedRun(db, ring, runId, { secrets: async () => secrets });
  if (!started) {
    const run = await findRun(db, runId);
    if (run?.status === 'failed') await recordEnvPush(db, app.id, run.serverId, { error: run.error ?? 'The push could not start.' });
    return;
  }
  const { server, transport } = started;
  const placement = placements.find((p) => p.server.id === server.id);
  if (!placement) return failBeforeStart(db, app.id, runId, `${server.name} no longer runs this app.`);
  const ctx: EnvPushContext = {
    app: app.config,
    server: { id: server.id, name: server.name, address: server.bindAddress ?? server.host, bindAddress: server.bindAddress },
    roles: placement.roles.filter((r): r is AppRole => r === 'web' || r === 'worker'),
    env,
  };
  const written = () => recordEnvPush(db, app.id, server.id, { revision: env.revision });
  const result = await runRecipe(db, runId, envPushRecipe, ctx, transport, signal, written);
  if (result.ok) return;
  // shared/.env holds the revision once write-env ran, even if what follows it failed.
  if (ctx.written) await written();
  await recordEnvPush(db, app.id, server.id, { error: `${result.failedTask}: ${result.error}` });
}

/**
 * The job side of "Push to servers": every server on its own and in parallel (no step barrier,
 * unlike a release): one unreachable or failing server does not hold back the others.
 */
export async function runEnvPush(db: Db, ring: KeyRing, payload: EnvPushPayload, signal: AbortSignal): Promise<void> {
  const app = await findApp(db, payload.appId);
  const failAll = (error: string) => Promise.all(payload.runIds.map((id) => failBeforeStart(db, payload.appId, id, error)));
  if (!app) return void (await failAll('The app no longer exists.'));
  let env: EnvToWrite;
  let secrets: string[];
  try {
    env = { revision: payload.revision, values: (await openEnvRevision(db, ring, app.id, payload.revision)).values };
    // Opened once for all servers: what the transports hide from every log line and error.
    secrets = await appEnvSecrets(db, ring, app, [payload.revision]);
  } catch (err) {
    return void (await failAll(`Could not open revision ${payload.revision}: ${(err as Error).message}`));
  }
  const placements = await placementsOfApp(db, app.id);
  await Promise.all(payload.runIds.map((runId) => pushToServer(db, ring, app, env, secrets, placements, runId, signal)));
}

/** The job ended without finishing (the panel stopped): its runs end as interrupted, and each server's state says so. */
export async function interruptEnvPush(db: Db, payload: EnvPushPayload): Promise<void> {
  for (const runId of payload.runIds) {
    const run = await findRun(db, runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) continue;
    await interruptRun(db, runId);
    await recordEnvPush(db, payload.appId, run.serverId, { error: 'The panel stopped during the push: push again.' });
  }
}

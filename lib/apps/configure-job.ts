import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findRun, updateRun } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { KeyRing } from '@/lib/crypto';
import { configureRecipe, type ConfigureContext } from '@/lib/recipes/configure';
import { runRecipe } from '@/lib/recipes/runner';
import { recordServerFailure } from '@/lib/servers/failures';
import { transportFor } from '@/lib/servers/remote';

/** The job side of "Configure": one server, one connection, the configure recipe. */
export async function runConfigure(db: Db, ring: KeyRing, runId: string, signal: AbortSignal): Promise<void> {
  const run = await findRun(db, runId);
  const server = run && (await findServer(db, run.serverId));
  const app = run?.appId ? await findApp(db, run.appId) : undefined;
  if (!run || !server || !app || run.status !== 'queued') return;
  const fail = (error: string) => updateRun(db, runId, { status: 'failed', error, finishedAt: new Date() });
  if (server.hostKeyMismatchAt) return fail('The host key changed: nothing runs on this server until an admin re-pins it.');
  let transport;
  try {
    transport = await transportFor(server, ring);
  } catch (err) {
    return fail(await recordServerFailure(db, server, err));
  }
  const ctx: ConfigureContext = {
    app: app.config,
    server: { name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
    facts: server.facts ?? undefined,
    reload: new Set(),
  };
  await runRecipe(db, runId, configureRecipe, ctx, transport, signal);
}

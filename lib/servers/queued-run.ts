import type { Db } from '@/db';
import { findRun, updateRun } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { RecipeRun, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { Transport } from '@/lib/remote/transport';
import { recordServerFailure } from './failures';
import { transportFor } from './remote';

export type StartOptions = {
  /**
   * What the transport hides from logs and errors besides the server's key: a job acting for an
   * app gives the app's env values (lib/env/secrets.ts). When they cannot be opened, the run fails
   * rather than running with logs that could show them.
   */
  secrets?: (run: RecipeRun) => Promise<string[]>;
};

/**
 * The common start of every recipe job: the run must still be queued, the server's host key
 * must still match, and the server must answer. Otherwise the run is marked failed with the
 * reason and null is returned.
 */
export async function startQueuedRun(
  db: Db,
  ring: KeyRing,
  runId: string,
  opts: StartOptions = {},
): Promise<{ run: RecipeRun; server: Server; transport: Transport } | null> {
  const run = await findRun(db, runId);
  const server = run && (await findServer(db, run.serverId));
  if (!run || !server || run.status !== 'queued') return null;
  const fail = async (error: string) => {
    await updateRun(db, runId, { status: 'failed', error, finishedAt: new Date() });
    return null;
  };
  if (server.hostKeyMismatchAt) return fail('The host key changed: nothing runs on this server until an admin re-pins it.');
  let secrets: string[];
  try {
    secrets = (await opts.secrets?.(run)) ?? [];
  } catch (err) {
    return fail(`Could not open the app's environment (needed to keep it out of the logs): ${(err as Error).message}`);
  }
  try {
    return { run, server, transport: await transportFor(server, ring, { secrets }) };
  } catch (err) {
    return fail(await recordServerFailure(db, server, err));
  }
}

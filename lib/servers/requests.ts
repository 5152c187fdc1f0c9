import type { Db } from '@/db';
import { activeRunFor, createRun, latestRuns, updateRun } from '@/db/queries/runs';
import { findServer, updateServer } from '@/db/queries/servers';
import type { RecipeRun, Server } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { JobPayload } from '@/lib/jobs/queue';

/** Enqueues work for one server; jobs for the same server run one at a time, in order. */
export type Enqueue = (payload: JobPayload, key: string) => Promise<string>;
export const serverKey = (serverId: string) => `server:${serverId}`;
const ALREADY_ACTIVE = 'Provisioning is already queued or running on this server.';

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

export async function serverOrFail(db: Db, id: string): Promise<Server> {
  const server = await findServer(db, id);
  if (!server) throw new ActionError('That server does not exist.');
  return server;
}

/** "Test connection": learn the host key (and whether our key is accepted) in a job; the page follows. */
export async function requestProbe(db: Db, enqueue: Enqueue, serverId: string): Promise<void> {
  const server = await serverOrFail(db, serverId);
  if (server.hostKeyMismatchAt)
    throw new ActionError('The host key changed: compare the fingerprints and re-pin, or fix the server, first.');
  await updateServer(db, serverId, { probe: null, probeRequestedAt: new Date() });
  await enqueue({ kind: 'probe', serverId }, serverKey(serverId));
}

/**
 * Pins the fingerprint the operator was shown. It must be the one the last probe saw (or, after
 * a mismatch, the new key the server presented): what is pinned is exactly what was confirmed.
 */
export async function pinHostKey(db: Db, serverId: string, fingerprint: string): Promise<{ previous: string | null }> {
  const server = await serverOrFail(db, serverId);
  const seen = server.hostKeyMismatchAt ? server.hostKeyMismatchFingerprint : server.probe?.fingerprint;
  if (!seen || seen !== fingerprint)
    throw new ActionError('That fingerprint is not the one the server presented. Test the connection again.');
  if (!server.hostKeyMismatchAt && server.probe && !server.probe.ok)
    throw new ActionError(`Fix the connection first: ${server.probe.error}`);
  await updateServer(db, serverId, {
    hostKeyFingerprint: fingerprint,
    hostKeyPinnedAt: new Date(),
    hostKeyMismatchAt: null,
    hostKeyMismatchFingerprint: null,
    lastError: null,
  });
  return { previous: server.hostKeyFingerprint };
}

/** Queues a provisioning run; `retry` resumes at the task that failed last time. */
export async function requestProvision(db: Db, enqueue: Enqueue, serverId: string, userId: number, retry: boolean): Promise<RecipeRun> {
  const server = await serverOrFail(db, serverId);
  if (!server.hostKeyFingerprint) throw new ActionError('Pin the host key first (Test connection).');
  if (server.hostKeyMismatchAt) throw new ActionError('The host key changed: nothing runs on this server until an admin re-pins it.');
  if (await activeRunFor(db, serverId)) throw new ActionError(ALREADY_ACTIVE);
  const [last] = await latestRuns(db, serverId, 1);
  const startAt = retry && last?.status !== 'succeeded' ? (last?.failedTask ?? null) : null;
  let run: RecipeRun;
  try {
    run = await createRun(db, { serverId, recipe: 'provision', startAt, requestedBy: userId });
  } catch (err) {
    // The unique index on active runs settles a race the check above cannot.
    if (isUniqueViolation(err)) throw new ActionError(ALREADY_ACTIVE);
    throw err;
  }
  try {
    await enqueue({ kind: 'provision', runId: run.id }, serverKey(serverId));
  } catch (err) {
    await updateRun(db, run.id, { status: 'failed', error: 'Could not queue the run.', finishedAt: new Date() });
    throw err;
  }
  return run;
}

import type { Db } from '@/db';
import { markHostKeyMismatch } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { announceServerFailure } from '@/lib/notify/events';
import type { HostKeyMismatchError } from '@/lib/remote/errors';

/**
 * The one place a refused host key becomes server state, whoever met it: the probe, the
 * per-minute sample, a release, a configure run, an env push or a drift check (the last ones
 * through transportFor's hook, at the moment of the refusal rather than at the next probe).
 *
 * The server is marked (nothing runs there until an admin re-pins), and the first refusal of a
 * given new key is audited and alerted. Every later connection refused for the same key finds
 * the mark already there and adds neither an audit row nor an alert: a deploy retried ten times
 * is one incident, not ten.
 */
export async function recordHostKeyMismatch(
  db: Db,
  server: Pick<Server, 'id' | 'name'>,
  err: HostKeyMismatchError,
): Promise<{ message: string; recorded: boolean }> {
  const recorded = await markHostKeyMismatch(db, server.id, {
    expected: err.expectedFingerprint,
    actual: err.actualFingerprint,
    error: err.message,
  });
  if (recorded) {
    await recordAudit(db, {
      action: 'server.hostkey.mismatch',
      target: `server:${server.id}`,
      outcome: 'denied',
      reason: `host key changed: pinned ${err.expectedFingerprint}, presented ${err.actualFingerprint}`,
      details: { expected: err.expectedFingerprint, actual: err.actualFingerprint },
    });
    await announceServerFailure(db, server, err);
  }
  return { message: err.message, recorded };
}

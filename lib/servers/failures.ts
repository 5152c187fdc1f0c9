import type { Db } from '@/db';
import { updateServer } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { announceServerFailure } from '@/lib/notify/events';
import { ConnectError, HostKeyMismatchError, RemoteError } from '@/lib/remote/errors';

/**
 * Turns a failure to reach or use a server into server state: a changed host key marks the
 * server (nothing runs there until an admin re-pins) and is audited; other failures are kept
 * as its last error. A mismatch or a failure to connect also raises an alert. Returns the
 * operator-facing message.
 */
export async function recordServerFailure(db: Db, server: Server, err: unknown): Promise<string> {
  if (err instanceof HostKeyMismatchError) {
    await updateServer(db, server.id, {
      hostKeyMismatchAt: new Date(),
      hostKeyMismatchFingerprint: err.actualFingerprint,
      lastError: err.message,
    });
    await recordAudit(db, {
      action: 'server.hostkey.mismatch',
      target: `server:${server.id}`,
      outcome: 'denied',
      reason: `host key changed: pinned ${err.expectedFingerprint}, presented ${err.actualFingerprint}`,
      details: { expected: err.expectedFingerprint, actual: err.actualFingerprint },
    });
    await announceServerFailure(db, server, err);
    return err.message;
  }
  // ConnectError and RemoteError messages already name the server and say what failed.
  const message = err instanceof ConnectError || err instanceof RemoteError ? err.message : `${server.name}: ${(err as Error).message}`;
  await updateServer(db, server.id, { lastError: message });
  // Only "cannot connect" is an alert (rate-limited per server); a failing command is the caller's to report.
  await announceServerFailure(db, server, err);
  return message;
}

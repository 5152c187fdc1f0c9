import type { Db } from '@/db';
import { updateServer } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { announceServerFailure } from '@/lib/notify/events';
import { ConnectError, HostKeyMismatchError, RemoteError } from '@/lib/remote/errors';
import { recordHostKeyMismatch } from './host-key-mismatch';

/**
 * Turns a failure to reach or use a server into server state: a changed host key marks the
 * server (nothing runs there until an admin re-pins), audited and alerted once
 * (host-key-mismatch.ts); other failures are kept as its last error, and a failure to connect
 * raises an alert. Returns the operator-facing message.
 */
export async function recordServerFailure(db: Db, server: Server, err: unknown): Promise<string> {
  if (err instanceof HostKeyMismatchError) return (await recordHostKeyMismatch(db, server, err)).message;
  // ConnectError and RemoteError messages already name the server and say what failed.
  const message = err instanceof ConnectError || err instanceof RemoteError ? err.message : `${server.name}: ${(err as Error).message}`;
  await updateServer(db, server.id, { lastError: message });
  // Only "cannot connect" is an alert (rate-limited per server); a failing command is the caller's to report.
  await announceServerFailure(db, server, err);
  return message;
}

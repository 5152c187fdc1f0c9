import type { Db } from '@/db';
import { findTarget } from '@/db/queries/backups';
import { ActionError } from '@/lib/auth/action-core';
import { type Enqueue, serverKey, serverOrFail } from '@/lib/servers/requests';

/**
 * "Send test": a server reaches the target with its sealed credentials and opens (or makes) a
 * repository. It runs on the chosen server's key, like every other job that talks to that server,
 * so it never runs beside a provision or configure there. The result lands in `lastTest`.
 */
export async function requestTargetTest(db: Db, enqueue: Enqueue, targetId: string, serverId: string): Promise<void> {
  const target = await findTarget(db, targetId);
  if (!target) throw new ActionError('That backup target no longer exists.');
  const server = await serverOrFail(db, serverId);
  if (!server.hostKeyFingerprint) throw new ActionError(`Pin ${server.name}'s host key first (Test connection).`);
  if (server.hostKeyMismatchAt) throw new ActionError(`${server.name}'s host key changed: an admin must re-pin it first.`);
  await enqueue({ kind: 'backup-target-test', targetId, serverId }, serverKey(serverId));
}

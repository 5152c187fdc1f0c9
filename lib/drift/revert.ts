import type { Db } from '@/db';
import type { DriftFinding } from '@/db/schema';
import { requestConfigure } from '@/lib/apps/manage';
import { requestProvision, type Enqueue } from '@/lib/servers/requests';

/**
 * Revert is re-apply: an app's file goes back through configure (which rewrites every file of
 * the app on its servers from the plan, validating nginx and PHP-FPM before reloading), a
 * stopped service through provisioning (whose services task starts what is stopped). The
 * finding clears at the next check that sees the server as planned.
 */
export async function revertFinding(
  db: Db,
  enqueue: Enqueue,
  finding: DriftFinding,
  userId: number,
): Promise<{ via: string; busy: string[] }> {
  if (finding.appId) {
    const { busy } = await requestConfigure(db, enqueue, finding.appId, userId);
    return { via: 'configure', busy };
  }
  await requestProvision(db, enqueue, finding.serverId, userId, false);
  return { via: 'provision', busy: [] };
}

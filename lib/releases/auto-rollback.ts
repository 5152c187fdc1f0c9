import type { Db } from '@/db';
import type { Release } from '@/db/schema';
import type { Enqueue } from '@/lib/servers/requests';
import { queueRelease, rollbackTarget } from './requests';

/**
 * A rollback nobody clicked: the watch window saw the live deploy fail. It goes back to what
 * "roll back" means with no number (the newest kept deploy before it that is not bad), through
 * the same queue and lock as a click, so a release that started meanwhile wins and this is refused.
 */
export async function requestAutoRollback(db: Db, enqueue: Enqueue, appId: string): Promise<Release> {
  const target = await rollbackTarget(db, appId);
  return queueRelease(db, enqueue, {
    appId,
    kind: 'rollback',
    ref: `releases/${target.number}`,
    targetId: target.id,
    trigger: 'auto-rollback',
    requestedBy: null,
  });
}

import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import { allLockHolds, clearLockHold, lockHoldsOf, markLockHoldChecked, recordLockHold } from '@/db/queries/release-locks';
import { findServer } from '@/db/queries/servers';
import type { KeyRing } from '@/lib/crypto';
import { releaseLockPath } from '@/lib/recipes/release/paths';
import { cmd, locked, LOCK_BUSY_EXIT } from '@/lib/remote/command';
import { utcMinute } from '@/lib/model/time-text';
import { transportFor } from '@/lib/servers/remote';

export { recordLockHold };

const at = (d: Date) => `${utcMinute(d)} UTC`;

/**
 * Deploy and the webhook ask this before anything is created: while a step Berth lost may still hold
 * the app's lock on a server, a release would only fail at its first step (and alert). Null: free.
 */
export async function lockRefusal(db: Db, appId: string): Promise<string | null> {
  const [hold] = await lockHoldsOf(db, appId);
  if (!hold) return null;
  const checked = hold.checkedAt ? `; still held at the last check, ${at(hold.checkedAt)}` : '';
  return `Busy: the app’s release lock on ${hold.serverName} is held by ${hold.holder}, since ${at(hold.since)}${checked}. Berth checks every minute and frees Deploy when the step ends.`;
}

/**
 * The periodic check (every tick): each recorded hold is tried with `flock -n` on its server; a
 * free lock removes the hold. A server that cannot be reached keeps it (its lock is unknown).
 */
export async function checkLockHolds(db: Db, ring: KeyRing): Promise<void> {
  for (const hold of await allLockHolds(db)) {
    const [server, app] = await Promise.all([findServer(db, hold.serverId), findApp(db, hold.appId)]);
    const placed = app && (await placementsOfApp(db, app.id)).some((p) => p.server.id === hold.serverId);
    // The app left that server (or either is gone): nothing there can block its releases any more.
    if (!server || !app || !placed) {
      await clearLockHold(db, hold.id);
      continue;
    }
    try {
      const transport = await transportFor(server, ring, { db });
      const probe = await transport.exec(locked(releaseLockPath(app.slug), cmd('true')), {
        okExitCodes: [0, LOCK_BUSY_EXIT],
        timeoutMs: 15_000,
      });
      if (probe.code === 0) await clearLockHold(db, hold.id);
      else await markLockHoldChecked(db, hold.id, new Date());
    } catch {
      // Unreachable: the lock's state is unknown, so the hold stays.
    }
  }
}

import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { releaseLockHolds, servers, type ReleaseLockHold } from '../schema';

/** A hold per app and server: a second report of the same lock keeps the first one's `since`. */
export async function recordLockHold(db: Db, hold: Omit<ReleaseLockHold, 'id' | 'checkedAt'>): Promise<void> {
  const [existing] = await db
    .select({ id: releaseLockHolds.id })
    .from(releaseLockHolds)
    .where(and(eq(releaseLockHolds.appId, hold.appId), eq(releaseLockHolds.serverId, hold.serverId)));
  if (!existing) await db.insert(releaseLockHolds).values(hold);
}

export async function lockHoldsOf(db: Db, appId: string): Promise<(ReleaseLockHold & { serverName: string })[]> {
  const rows = await db
    .select({ hold: releaseLockHolds, serverName: servers.name })
    .from(releaseLockHolds)
    .innerJoin(servers, eq(servers.id, releaseLockHolds.serverId))
    .where(eq(releaseLockHolds.appId, appId));
  return rows.map((r) => ({ ...r.hold, serverName: r.serverName }));
}

export async function allLockHolds(db: Db): Promise<ReleaseLockHold[]> {
  return db.select().from(releaseLockHolds);
}

export async function clearLockHold(db: Db, id: string): Promise<void> {
  await db.delete(releaseLockHolds).where(eq(releaseLockHolds.id, id));
}

export async function markLockHoldChecked(db: Db, id: string, at: Date): Promise<void> {
  await db.update(releaseLockHolds).set({ checkedAt: at }).where(eq(releaseLockHolds.id, id));
}

import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { loginThrottle, type LoginThrottle } from '../schema';

export async function getThrottles(db: Db, keys: string[]): Promise<LoginThrottle[]> {
  if (keys.length === 0) return [];
  return db.select().from(loginThrottle).where(inArray(loginThrottle.key, keys));
}

/**
 * Counts one failure atomically (one statement, so concurrent attempts cannot lose counts).
 * A counter idle for longer than `decayMs` starts again from one.
 */
export async function recordFailure(db: Db, key: string, now: Date, decayMs: number): Promise<number> {
  const decayBefore = new Date(now.getTime() - decayMs);
  const [row] = await db
    .insert(loginThrottle)
    .values({ key, failures: 1, lastFailureAt: now })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: {
        failures: sql`case when ${loginThrottle.lastFailureAt} < ${decayBefore.toISOString()}::timestamptz then 1 else ${loginThrottle.failures} + 1 end`,
        lastFailureAt: now,
      },
    })
    .returning({ failures: loginThrottle.failures });
  return row?.failures ?? 1;
}

export async function setLockedUntil(db: Db, key: string, until: Date): Promise<void> {
  await db.update(loginThrottle).set({ lockedUntil: until }).where(eq(loginThrottle.key, key));
}

export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}

/**
 * Creates the counters if missing and locks them until the caller's transaction ends, so
 * concurrent attempts on one account (or from one address) are decided one after another.
 */
export async function lockThrottles(tx: Db, keys: string[]): Promise<void> {
  const sorted = [...keys].sort(); // one lock order everywhere: no deadlocks
  await tx
    .insert(loginThrottle)
    .values(sorted.map((key) => ({ key, failures: 0 })))
    .onConflictDoNothing();
  await tx.select({ key: loginThrottle.key }).from(loginThrottle).where(inArray(loginThrottle.key, sorted)).for('update');
}

/**
 * Deletes counters idle for longer than `decayMs` and not locked: they would start again from
 * one anyway, and without this every email ever tried and every address that failed kept a row.
 * Rows another attempt holds (lockThrottles) are skipped, never waited on, so two attempts that
 * prune at once cannot deadlock.
 */
export async function pruneIdleThrottles(db: Db, now: Date, decayMs: number): Promise<void> {
  const idle = db
    .select({ key: loginThrottle.key })
    .from(loginThrottle)
    .where(
      and(
        lt(loginThrottle.lastFailureAt, new Date(now.getTime() - decayMs)),
        or(isNull(loginThrottle.lockedUntil), lt(loginThrottle.lockedUntil, now)),
      ),
    )
    .for('update', { skipLocked: true });
  await db.delete(loginThrottle).where(inArray(loginThrottle.key, idle));
}

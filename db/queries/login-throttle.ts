import { eq, inArray, sql } from 'drizzle-orm';
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

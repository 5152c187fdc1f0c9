import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '@/db';
import { users } from '@/db/schema';

/** The user's own choice on the settings page; it replaces whatever was there. */
export async function setUserTimeZone(db: Db, id: number, timeZone: string): Promise<void> {
  await db.update(users).set({ timeZone, updatedAt: new Date() }).where(eq(users.id, id));
}

/**
 * The browser's zone, stored only while the user has none: a second tab, or a laptop that
 * travelled, never overwrites a zone the user set. Says whether it was stored.
 */
export async function adoptTimeZoneIfUnset(db: Db, id: number, timeZone: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ timeZone, updatedAt: new Date() })
    .where(and(eq(users.id, id), isNull(users.timeZone)))
    .returning({ id: users.id });
  return rows.length > 0;
}

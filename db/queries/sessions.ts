import { and, eq, getTableColumns, gt, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { sessions, users, type User } from '../schema';

export async function insertSession(db: Db, row: { id: string; userId: number; expiresAt: Date }): Promise<void> {
  await db.insert(sessions).values(row);
}

/** Rows past their expiry, revoked or not: their cookies are refused anyway. */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const gone = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id });
  return gone.length;
}

export async function revokeSession(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
}

/** The user of a live session (not revoked, not expired): one read per request. */
export async function findLiveSessionUser(db: Db, id: string, now: Date): Promise<User | undefined> {
  const [row] = await db
    .select(getTableColumns(users))
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)));
  return row;
}

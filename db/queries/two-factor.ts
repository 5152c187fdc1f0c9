import { and, count, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { twoFactorRecoveryCodes, type UserTwoFactor, users, userTwoFactor } from '../schema';

export async function findTwoFactor(db: Db, userId: number, opts?: { lock?: boolean }): Promise<UserTwoFactor | undefined> {
  const query = db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, userId)).$dynamic();
  const [row] = await (opts?.lock ? query.for('update') : query);
  return row;
}

export async function hasEnabledTwoFactor(db: Db, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: userTwoFactor.userId })
    .from(userTwoFactor)
    .where(and(eq(userTwoFactor.userId, userId), isNotNull(userTwoFactor.enabledAt)));
  return row !== undefined;
}

/** Starts (or restarts) an enrolment: a new secret, not yet guarding sign-in. Refused once enabled. */
export async function putPendingTwoFactor(db: Db, userId: number, secretSealed: string): Promise<boolean> {
  const rows = await db
    .insert(userTwoFactor)
    .values({ userId, secretSealed })
    .onConflictDoUpdate({
      target: userTwoFactor.userId,
      set: { secretSealed, lastUsedStep: null, createdAt: new Date() },
      setWhere: isNull(userTwoFactor.enabledAt),
    })
    .returning({ userId: userTwoFactor.userId });
  return rows.length === 1;
}

/** Turns the pending enrolment on with its recovery codes (replacing any old ones), in the caller's transaction. */
export async function enableTwoFactor(db: Db, userId: number, step: number, codeHashes: string[], now: Date): Promise<void> {
  await db.update(userTwoFactor).set({ enabledAt: now, lastUsedStep: step }).where(eq(userTwoFactor.userId, userId));
  await db.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, userId));
  await db.insert(twoFactorRecoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
}

/** Records the step of an accepted code; only a later step may be accepted after it. */
export async function spendTotpStep(db: Db, userId: number, step: number): Promise<void> {
  await db.update(userTwoFactor).set({ lastUsedStep: step }).where(eq(userTwoFactor.userId, userId));
}

/** Marks the code used; true only for the one caller that found it unused. */
export async function spendRecoveryCode(db: Db, userId: number, codeHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(twoFactorRecoveryCodes)
    .set({ usedAt: now })
    .where(
      and(eq(twoFactorRecoveryCodes.userId, userId), eq(twoFactorRecoveryCodes.codeHash, codeHash), isNull(twoFactorRecoveryCodes.usedAt)),
    )
    .returning({ id: twoFactorRecoveryCodes.id });
  return rows.length === 1;
}

export async function unusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(twoFactorRecoveryCodes)
    .where(and(eq(twoFactorRecoveryCodes.userId, userId), isNull(twoFactorRecoveryCodes.usedAt)));
  return row?.n ?? 0;
}

/** Removes the authenticator and its recovery codes; true when there was one. */
export async function deleteTwoFactor(db: Db, userId: number): Promise<boolean> {
  await db.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, userId));
  const rows = await db.delete(userTwoFactor).where(eq(userTwoFactor.userId, userId)).returning({ userId: userTwoFactor.userId });
  return rows.length === 1;
}

export async function usersWithTwoFactor(db: Db): Promise<{ id: number; email: string }[]> {
  return db
    .select({ id: users.id, email: users.email })
    .from(userTwoFactor)
    .innerJoin(users, eq(users.id, userTwoFactor.userId))
    .where(isNotNull(userTwoFactor.enabledAt))
    .orderBy(users.email);
}

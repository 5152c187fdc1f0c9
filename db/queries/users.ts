import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { users, type NewUser, type User } from '../schema';
import type { Role } from '@/lib/model/roles';

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return row;
}

export async function listUsers(db: Db): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id));
}

export async function ownerExists(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.role, 'owner'));
  return (row?.n ?? 0) > 0;
}

/** Active owners other than `exceptId`: the last owner may not be demoted or disabled. */
export async function countOtherActiveOwners(db: Db, exceptId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, 'owner'), isNull(users.disabledAt), ne(users.id, exceptId)));
  return row?.n ?? 0;
}

export async function insertUser(db: Db, user: NewUser): Promise<User> {
  const [row] = await db
    .insert(users)
    .values({ ...user, email: user.email.toLowerCase() })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateUserRole(db: Db, id: number, role: Role): Promise<void> {
  await db.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id));
}

/** Setting a password ends every existing session of that user. */
export async function updateUserPassword(db: Db, id: number, passwordHash: string): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
    .where(eq(users.id, id));
}

/** Disabling ends every existing session of that user. */
export async function setUserDisabled(db: Db, id: number, disabled: boolean): Promise<void> {
  await db
    .update(users)
    .set({
      disabledAt: disabled ? new Date() : null,
      sessionVersion: sql`${users.sessionVersion} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, id));
}

export async function touchLastLogin(db: Db, id: number): Promise<void> {
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, id));
}

/** Locks the owner rows until the transaction ends: "is there another owner?" cannot race. */
export async function lockOwners(tx: Db): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.role, 'owner')).for('update');
}

import type { Db } from '@/db';
import {
  countOtherActiveOwners,
  findUserByEmail,
  findUserById,
  insertUser,
  lockOwners,
  setUserDisabled,
  updateUserPassword,
  updateUserRole,
} from '@/db/queries/users';
import type { Role } from '@/lib/model/roles';
import type { User } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { canAssignRole } from '@/lib/auth/roles';

/** Loads the user an admin wants to change, enforcing who may touch whom. */
async function targetFor(db: Db, actor: User, userId: number): Promise<User> {
  const target = await findUserById(db, userId);
  if (!target) throw new ActionError('That user does not exist.');
  if (target.id === actor.id) throw new ActionError('Use "Your account" to change your own account.');
  if (target.role === 'owner' && actor.role !== 'owner') throw new ActionError('Only an owner can change an owner.');
  return target;
}

async function ensureAnotherOwner(db: Db, target: User): Promise<void> {
  if (target.role === 'owner' && (await countOtherActiveOwners(db, target.id)) === 0) {
    throw new ActionError('This is the last active owner: make someone else an owner first.');
  }
}

export async function createUser(db: Db, actor: User, input: { email: string; name: string; password: string; role: Role }): Promise<User> {
  if (!canAssignRole(actor.role, input.role))
    throw new ActionError(`You cannot create ${input.role}s.`, { role: ['Not allowed for your role'] });
  if (await findUserByEmail(db, input.email)) throw new ActionError('A user with this email exists.', { email: ['Already in use'] });
  return insertUser(db, { email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) });
}

/** Runs `fn` in a transaction holding the owner rows, so two owners cannot demote each other at once. */
function withOwnersLocked<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    await lockOwners(tx);
    return fn(tx);
  });
}

export function changeRole(db: Db, actor: User, userId: number, role: Role): Promise<User> {
  return withOwnersLocked(db, async (tx) => {
    const target = await targetFor(tx, actor, userId);
    if (!canAssignRole(actor.role, role)) throw new ActionError(`You cannot grant the ${role} role.`);
    if (role !== 'owner') await ensureAnotherOwner(tx, target);
    await updateUserRole(tx, target.id, role);
    return target;
  });
}

export function setDisabled(db: Db, actor: User, userId: number, disabled: boolean): Promise<User> {
  return withOwnersLocked(db, async (tx) => {
    const target = await targetFor(tx, actor, userId);
    if (disabled) await ensureAnotherOwner(tx, target);
    await setUserDisabled(tx, target.id, disabled);
    return target;
  });
}

export async function resetPassword(db: Db, actor: User, userId: number, password: string): Promise<User> {
  const target = await targetFor(db, actor, userId);
  await updateUserPassword(db, target.id, await hashPassword(password));
  return target;
}

export async function changeOwnPassword(db: Db, user: User, current: string, next: string): Promise<void> {
  if (!(await verifyPassword(user.passwordHash, current))) {
    throw new ActionError('The current password is wrong.', { current: ['Wrong password'] });
  }
  await updateUserPassword(db, user.id, await hashPassword(next));
}

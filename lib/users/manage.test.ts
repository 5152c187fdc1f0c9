import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById, insertUser } from '@/db/queries/users';
import type { Role } from '@/lib/model/roles';
import type { User } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { verifyPassword } from '@/lib/auth/password';
import { changeOwnPassword, changeRole, createUser, resetPassword, setDisabled } from './manage';

let t: TestDb;
const u: Record<string, User> = {};

async function make(key: string, role: Role) {
  u[key] = await insertUser(t.db, { email: `${key}@example.test`, name: key, role, passwordHash: 'x' });
}

beforeAll(async () => {
  t = await createTestDb();
  await make('owner', 'owner');
  await make('admin', 'admin');
  await make('viewer', 'viewer');
});
afterAll(async () => t.close());

const reload = async (user: User) => (await findUserById(t.db, user.id))!;

describe('user management rules', () => {
  it('admins create users below owner; only owners create owners; emails are unique', async () => {
    await expect(
      createUser(t.db, u.admin!, { email: 'new@example.test', name: 'N', password: 'p'.repeat(12), role: 'owner' }),
    ).rejects.toThrow(/cannot create owners/);
    const created = await createUser(t.db, u.admin!, { email: 'new@example.test', name: 'N', password: 'p'.repeat(12), role: 'deployer' });
    expect(created.role).toBe('deployer');
    expect(await verifyPassword(created.passwordHash, 'p'.repeat(12))).toBe(true);
    await expect(
      createUser(t.db, u.owner!, { email: 'new@example.test', name: 'N2', password: 'p'.repeat(12), role: 'viewer' }),
    ).rejects.toMatchObject({
      fieldErrors: { email: ['Already in use'] },
    });
  });

  it('an admin cannot change an owner, nor anyone change themselves here', async () => {
    await expect(changeRole(t.db, u.admin!, u.owner!.id, 'viewer')).rejects.toThrow(/Only an owner/);
    await expect(setDisabled(t.db, u.admin!, u.admin!.id, true)).rejects.toThrow(/your own account/);
    expect((await reload(u.owner!)).role).toBe('owner');
  });

  it('keeps at least one active owner', async () => {
    await make('owner2', 'owner');
    await changeRole(t.db, u.owner!, u.owner2!.id, 'admin'); // fine: owner remains
    await make('owner3', 'owner');
    await setDisabled(t.db, u.owner3!, u.owner!.id, true); // owner3 remains active
    await expect(changeRole(t.db, u.owner!, u.owner3!.id, 'admin')).rejects.toThrow(/last active owner/);
    await expect(setDisabled(t.db, u.owner!, u.owner3!.id, true)).rejects.toThrow(/last active owner/);
    await setDisabled(t.db, u.owner3!, u.owner!.id, false);
  });

  it('two owners disabling each other at once leave one owner standing', async () => {
    await make('ownerA', 'owner');
    await make('ownerB', 'owner');
    // Everyone else who is an owner steps down first, so A and B are the last two.
    for (const key of ['owner', 'owner3']) await changeRole(t.db, u.ownerA!, u[key]!.id, 'admin');
    const results = await Promise.allSettled([
      setDisabled(t.db, u.ownerA!, u.ownerB!.id, true),
      setDisabled(t.db, u.ownerB!, u.ownerA!.id, true),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/last active owner/);
  });

  it('disabling and password changes bump the session version (ending sessions)', async () => {
    const before = (await reload(u.viewer!)).sessionVersion;
    await setDisabled(t.db, u.admin!, u.viewer!.id, true);
    const disabled = await reload(u.viewer!);
    expect(disabled.disabledAt).toBeInstanceOf(Date);
    expect(disabled.sessionVersion).toBe(before + 1);
    await setDisabled(t.db, u.admin!, u.viewer!.id, false);
    await resetPassword(t.db, u.admin!, u.viewer!.id, 'a brand new password');
    const reset = await reload(u.viewer!);
    expect(reset.sessionVersion).toBe(before + 3);
    expect(await verifyPassword(reset.passwordHash, 'a brand new password')).toBe(true);
  });

  it('changing your own password needs the current one', async () => {
    const me = await reload(u.viewer!);
    await expect(changeOwnPassword(t.db, me, 'wrong', 'another long password')).rejects.toMatchObject({
      fieldErrors: { current: ['Wrong password'] },
    });
    expect((await reload(me)).sessionVersion).toBe(me.sessionVersion);
    await changeOwnPassword(t.db, me, 'a brand new password', 'another long password');
    const after = await reload(me);
    expect(after.sessionVersion).toBe(me.sessionVersion + 1);
    expect(await verifyPassword(after.passwordHash, 'another long password')).toBe(true);
  });
});

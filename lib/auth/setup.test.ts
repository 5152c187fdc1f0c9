import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { listUsers } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { createOwner, issueSetupToken, SetupError, setupTokenValid } from './setup';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

const owner = { email: 'owner@example.test', name: 'Olive', password: 'a long enough password' };

describe('first-run setup', () => {
  it('replaces the token at each start, and only the newest one is valid', async () => {
    const first = await issueSetupToken(t.db);
    const second = await issueSetupToken(t.db);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await setupTokenValid(t.db, first!)).toBe(false);
    expect(await setupTokenValid(t.db, second!)).toBe(true);
    expect(await setupTokenValid(t.db, '')).toBe(false);
    await expect(createOwner(t.db, first!, owner, null)).rejects.toThrow(SetupError);
    expect(await listUsers(t.db)).toEqual([]);
  });

  it('lets exactly one of two concurrent requests create the owner', async () => {
    const token = (await issueSetupToken(t.db))!;
    const results = await Promise.allSettled([
      createOwner(t.db, token, owner, '192.0.2.1'),
      createOwner(t.db, token, { ...owner, email: 'other@example.test' }, '192.0.2.2'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(SetupError);
    const users = await listUsers(t.db);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ role: 'owner' });
    expect(users[0]!.passwordHash).toMatch(/^\$argon2id\$/);
    const [audit] = await listAuditEvents(t.db, { action: 'setup.owner' });
    expect(audit).toMatchObject({ outcome: 'success', target: `user:${users[0]!.id}` });
  });

  it('stops working once an owner exists', async () => {
    expect(await issueSetupToken(t.db)).toBeNull();
    await expect(createOwner(t.db, 'anything', owner, null)).rejects.toThrow(/already has an owner/);
  });
});

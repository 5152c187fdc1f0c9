import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, sql } from 'drizzle-orm';
import { insertUser } from '@/db/queries/users';
import { sessions, type User } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { endSession, startSession, userForSession } from './session-store';

const HOUR = 3_600_000;
let t: TestDb;
let alice: User;
let bob: User;

beforeAll(async () => {
  t = await createTestDb();
  alice = await insertUser(t.db, { email: 'alice@berth.test', name: 'Alice', role: 'admin', passwordHash: 'x' });
  bob = await insertUser(t.db, { email: 'bob@berth.test', name: 'Bob', role: 'viewer', passwordHash: 'x' });
});
afterAll(async () => t.close());

const claims = (user: User, sid: string) => ({ uid: user.id, sv: user.sessionVersion, sid });
const sessionCount = async () => (await t.db.select({ n: count() }).from(sessions))[0]!.n;

describe('server-side sessions', () => {
  it('logout ends that session only: the same token is refused after, another session of the user goes on', async () => {
    const laptop = await startSession(t.db, alice.id, 12 * HOUR);
    const phone = await startSession(t.db, alice.id, 12 * HOUR);
    expect((await userForSession(t.db, claims(alice, laptop)))?.id).toBe(alice.id);

    await endSession(t.db, laptop);
    expect(await userForSession(t.db, claims(alice, laptop))).toBeNull();
    expect((await userForSession(t.db, claims(alice, phone)))?.id).toBe(alice.id);
    await endSession(t.db, laptop); // twice is fine
  });

  it('refuses a token without a session id, with an unknown or malformed one, or with another user’s', async () => {
    const bobs = await startSession(t.db, bob.id, 12 * HOUR);
    expect(await userForSession(t.db, { uid: alice.id, sv: alice.sessionVersion })).toBeNull();
    expect(await userForSession(t.db, claims(alice, crypto.randomUUID()))).toBeNull();
    expect(await userForSession(t.db, claims(alice, "x' or 1=1"))).toBeNull();
    expect(await userForSession(t.db, claims(alice, bobs))).toBeNull();
    expect(await userForSession(t.db, null)).toBeNull();
    await endSession(t.db, 'not-a-uuid'); // nothing to end, no error
  });

  it('a session ends at its sign-in’s expiry however often the cookie was re-issued', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const sid = await startSession(t.db, alice.id, 12 * HOUR, start);
    expect(await userForSession(t.db, claims(alice, sid), new Date(start.getTime() + 12 * HOUR - 1000))).not.toBeNull();
    expect(await userForSession(t.db, claims(alice, sid), new Date(start.getTime() + 12 * HOUR))).toBeNull();
  });

  it('still ends every session on a session-version bump or disable', async () => {
    const sid = await startSession(t.db, bob.id, 12 * HOUR);
    expect(await userForSession(t.db, { ...claims(bob, sid), sv: bob.sessionVersion - 1 })).toBeNull();
    // disabledAt alone (setUserDisabled also bumps the version): the check reads both.
    await t.db.execute(sql`update users set disabled_at = now() where id = ${bob.id}`);
    expect(await userForSession(t.db, claims(bob, sid))).toBeNull();
  });

  it('each sign-in prunes the rows that expired, revoked or not', async () => {
    const past = new Date(Date.now() - 13 * HOUR);
    const expired = await startSession(t.db, alice.id, 12 * HOUR, past);
    await endSession(t.db, await startSession(t.db, alice.id, 12 * HOUR, past));
    const before = await sessionCount();
    const fresh = await startSession(t.db, alice.id, 12 * HOUR);
    expect(await sessionCount()).toBe(before - 2 + 1);
    expect(await userForSession(t.db, claims(alice, expired))).toBeNull();
    expect(await userForSession(t.db, claims(alice, fresh))).not.toBeNull();
  });
});

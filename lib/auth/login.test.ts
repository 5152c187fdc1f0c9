import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { getThrottles, recordFailure, setLockedUntil } from '@/db/queries/login-throttle';
import { insertUser, setUserDisabled } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { attemptLogin } from './login';
import { hashPassword } from './password';
import { lockDurationMs, noteFailure, THROTTLE } from './throttle';

let t: TestDb;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  t = await createTestDb();
  const passwordHash = await hashPassword(PASSWORD);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace']) {
    const email = `${name}@example.test`;
    await insertUser(t.db, { email, name: email, role: 'viewer', passwordHash });
  }
});
afterAll(async () => t.close());

const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);

describe('attemptLogin', () => {
  it('accepts the right password, case-insensitively on the email, and audits it', async () => {
    const result = await attemptLogin(t.db, { email: ' Alice@Example.TEST ', password: PASSWORD, ip: '198.51.100.1' });
    expect(result.ok).toBe(true);
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'auth.login', outcome: 'success', actorEmail: 'alice@example.test', ip: '198.51.100.1' });
  });

  it('answers a wrong password and an unknown account the same way', async () => {
    const wrong = await attemptLogin(t.db, { email: 'alice@example.test', password: 'nope', ip: '198.51.100.2' });
    const unknown = await attemptLogin(t.db, { email: 'nobody@example.test', password: 'nope', ip: '198.51.100.2' });
    expect(wrong).toEqual({ ok: false, reason: 'invalid' });
    expect(unknown).toEqual(wrong);
  });

  it('refuses a disabled account with the same answer, even with the right password', async () => {
    const email = 'dave@example.test';
    const first = await attemptLogin(t.db, { email, password: PASSWORD, ip: null });
    if (!first.ok) throw new Error('setup');
    await setUserDisabled(t.db, first.user.id, true);
    expect(await attemptLogin(t.db, { email, password: PASSWORD, ip: null })).toEqual({ ok: false, reason: 'invalid' });
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ outcome: 'failure', reason: 'account disabled' });
  });

  it('locks one source out of an account after 5 failures, even for the right password, and backs off exponentially', async () => {
    const email = 'bob@example.test';
    const ip = '192.0.2.1';
    const t0 = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < THROTTLE.pair.threshold; i++) {
      expect(await attemptLogin(t.db, { email, password: `bad${i}`, ip }, at(t0, i))).toEqual({ ok: false, reason: 'invalid' });
    }
    const locked = await attemptLogin(t.db, { email, password: PASSWORD, ip }, at(t0, 5));
    expect(locked).toEqual({ ok: false, reason: 'limited', retryAfter: 29 });
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ outcome: 'denied', reason: 'rate limited for 29s' });

    // After the 30 s lock another failure doubles it to 60 s.
    expect(await attemptLogin(t.db, { email, password: 'bad', ip }, at(t0, 35))).toEqual({ ok: false, reason: 'invalid' });
    const again = await attemptLogin(t.db, { email, password: PASSWORD, ip }, at(t0, 36));
    expect(again).toEqual({ ok: false, reason: 'limited', retryAfter: 59 });

    // Once the lock expires the right password works and clears the pair's counter.
    expect((await attemptLogin(t.db, { email, password: PASSWORD, ip }, at(t0, 100))).ok).toBe(true);
    expect(await attemptLogin(t.db, { email, password: 'bad', ip }, at(t0, 101))).toEqual({ ok: false, reason: 'invalid' });
  });

  it("does not let a stranger's failures keep the owner out from another address", async () => {
    const email = 'erin@example.test';
    const t0 = new Date('2026-01-02T00:00:00Z');
    // The attacker keeps going, past their own lock, one request a second.
    for (let i = 0; i <= THROTTLE.pair.threshold; i++)
      await attemptLogin(t.db, { email, password: `bad${i}`, ip: '192.0.2.66' }, at(t0, i));
    expect(await attemptLogin(t.db, { email, password: PASSWORD, ip: '192.0.2.66' }, at(t0, 20))).toMatchObject({ reason: 'limited' });
    expect((await attemptLogin(t.db, { email, password: PASSWORD, ip: '198.51.100.7' }, at(t0, 21))).ok).toBe(true);
  });

  it('guards an account after 10 failures from many addresses: a source with 3 of its own waits, one with a typo or two is checked', async () => {
    const email = 'frank@example.test';
    const t0 = new Date('2026-01-03T00:00:00Z');
    const guesser = (i: number) => `192.0.2.${100 + i}`;
    // Counted directly: ten password checks would add seconds and prove nothing more. Guessers 0
    // and 1 fail three times each, 2 and 3 twice; the tenth failure (at 9 s) guards the account for 30 s.
    for (let i = 0; i < THROTTLE.account.threshold; i++) await noteFailure(t.db, { email, ip: guesser(i % 4) }, at(t0, i));
    // A source with three failures on the account waits out the guard, right password or not.
    expect(await attemptLogin(t.db, { email, password: PASSWORD, ip: guesser(0) }, at(t0, 10))).toEqual({
      ok: false,
      reason: 'limited',
      retryAfter: 29,
    });
    // One with two is still checked; its failure (the 11th) extends the guard to 60 s, and its third stops it.
    expect(await attemptLogin(t.db, { email, password: 'bad', ip: guesser(2) }, at(t0, 11))).toEqual({ ok: false, reason: 'invalid' });
    expect(await attemptLogin(t.db, { email, password: PASSWORD, ip: guesser(2) }, at(t0, 12))).toMatchObject({ retryAfter: 59 });
    // The owner mistypes once from their own address during the guard, then gets in.
    expect(await attemptLogin(t.db, { email, password: 'typo', ip: '198.51.100.8' }, at(t0, 13))).toEqual({ ok: false, reason: 'invalid' });
    expect((await attemptLogin(t.db, { email, password: PASSWORD, ip: '198.51.100.8' }, at(t0, 14))).ok).toBe(true);
    // After the guard (the 12th failure made it 120 s, from 13 s), the guessers are checked again.
    expect(await attemptLogin(t.db, { email, password: 'bad', ip: guesser(1) }, at(t0, 140))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('counts an IPv6 address as its /64', async () => {
    const email = 'grace@example.test';
    const t0 = new Date('2026-01-04T00:00:00Z');
    for (let i = 0; i < THROTTLE.pair.threshold; i++) {
      await attemptLogin(t.db, { email, password: 'bad', ip: `2001:db8:1:2::${i + 1}` }, at(t0, i));
    }
    expect(await attemptLogin(t.db, { email, password: PASSWORD, ip: '2001:db8:1:2:ffff::9' }, at(t0, 5))).toMatchObject({
      reason: 'limited',
    });
    expect((await attemptLogin(t.db, { email, password: PASSWORD, ip: '2001:db8:1:3::1' }, at(t0, 6))).ok).toBe(true);
  });

  it('limits one address trying many accounts', async () => {
    const ip = '203.0.113.50';
    const t0 = new Date('2026-02-01T00:00:00Z');
    for (let i = 0; i < THROTTLE.source.threshold; i++) {
      await attemptLogin(t.db, { email: `spray${i}@example.test`, password: 'x', ip }, at(t0, i));
    }
    const result = await attemptLogin(t.db, { email: 'carol@example.test', password: PASSWORD, ip }, at(t0, 21));
    expect(result).toMatchObject({ ok: false, reason: 'limited' });
    // The same account from another address is unaffected.
    expect((await attemptLogin(t.db, { email: 'carol@example.test', password: PASSWORD, ip: '203.0.113.51' }, at(t0, 21))).ok).toBe(true);
  });

  it('forgets old failures after an hour without one', async () => {
    const email = 'carol@example.test';
    const t0 = new Date('2026-03-01T00:00:00Z');
    for (let i = 0; i < THROTTLE.pair.threshold - 1; i++) await attemptLogin(t.db, { email, password: 'x', ip: null }, at(t0, i));
    const later = at(t0, 3601 + 10);
    expect(await attemptLogin(t.db, { email, password: 'x', ip: null }, later)).toEqual({ ok: false, reason: 'invalid' });
    expect((await attemptLogin(t.db, { email, password: PASSWORD, ip: null }, at(later, 1))).ok).toBe(true);
  });

  it('decides parallel guesses one after another: the lock set by the fifth stops the rest', async () => {
    const email = 'race@example.test';
    const t0 = new Date('2026-04-01T00:00:00Z');
    const results = await Promise.all(Array.from({ length: 8 }, () => attemptLogin(t.db, { email, password: 'x', ip: null }, t0)));
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(THROTTLE.pair.threshold);
    expect(results.filter((r) => !r.ok && r.reason === 'limited')).toHaveLength(8 - THROTTLE.pair.threshold);
    const [row] = await getThrottles(t.db, [`account:${email}`]);
    expect(row!.failures).toBe(THROTTLE.pair.threshold);
  });
});

describe('idle counters', () => {
  it('a failure deletes counters idle past the decay and not locked; recent or locked ones stay', async () => {
    const now = new Date('2031-05-01T12:00:00Z');
    const old = new Date(now.getTime() - THROTTLE.decayMs - 1000);
    await recordFailure(t.db, 'account:stale@example.test', old, THROTTLE.decayMs);
    await recordFailure(t.db, 'source:198.51.100.9', old, THROTTLE.decayMs);
    await setLockedUntil(t.db, 'source:198.51.100.9', new Date(now.getTime() + 60_000)); // still locked
    await recordFailure(t.db, 'account:recent@example.test', new Date(now.getTime() - 60_000), THROTTLE.decayMs);
    await noteFailure(t.db, { email: 'someone@example.test', ip: '198.51.100.10' }, now);
    const left = (await getThrottles(t.db, ['account:stale@example.test', 'source:198.51.100.9', 'account:recent@example.test'])).map(
      (r) => r.key,
    );
    expect(left.sort()).toEqual(['account:recent@example.test', 'source:198.51.100.9']);
  });
});

describe('lockDurationMs', () => {
  it('is zero below the threshold, then doubles from 30 s and caps at 15 min', () => {
    expect(lockDurationMs(4, 5)).toBe(0);
    expect(lockDurationMs(5, 5)).toBe(30_000);
    expect(lockDurationMs(6, 5)).toBe(60_000);
    expect(lockDurationMs(9, 5)).toBe(480_000);
    expect(lockDurationMs(50, 5)).toBe(900_000);
  });
});

import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getThrottles } from '@/db/queries/login-throttle';
import { insertUser } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { attemptLogin } from './login';
import { hashPassword } from './password';
import { requireSecondFactor } from './step-up';
import { THROTTLE } from './throttle';
import { totpCode } from './totp';
import { confirmEnrolment, mustEnrol, resetTwoFactor, setTwoFactorRequired, startEnrolment } from './two-factor';

let t: TestDb;
let passwordHash: string;
const ring = parseKeyRing(generateKeyText(1));
const PASSWORD = 'correct horse battery';
const T0 = new Date('2026-03-01T12:00:00Z').getTime(); // a step boundary (divisible by 30 s)
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** A user with two-factor sign-in on (enrolled with the code of T0), its secret and recovery codes. */
async function enrolled(name: string): Promise<{ user: User; secret: string; recovery: string[] }> {
  const user = await insertUser(t.db, { email: `${name}@example.test`, name, role: 'viewer', passwordHash });
  const { uri } = await startEnrolment(t.db, ring, user);
  const secret = URI.parse(uri).secret.base32;
  const recovery = await confirmEnrolment(t.db, ring, user, totpCode(secret, T0), at(0));
  return { user, secret, recovery };
}

const login = (user: User, code: string | undefined, when: Date, ip = '198.51.100.7') =>
  attemptLogin(t.db, { email: user.email, password: PASSWORD, ip, code }, when, ring);

beforeAll(async () => {
  t = await createTestDb();
  passwordHash = await hashPassword(PASSWORD); // once: argon2 is slow by design
});
afterAll(async () => t.close());

describe('two-factor sign-in', () => {
  it('enrols only with a valid first code, and gives ten distinct recovery codes', async () => {
    const user = await insertUser(t.db, {
      email: 'new@example.test',
      name: 'n',
      role: 'viewer',
      passwordHash,
    });
    const { uri, qrSvg } = await startEnrolment(t.db, ring, user);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Berth:new%40example\.test\?/);
    expect(qrSvg).toMatch(/^<svg/);
    await expect(confirmEnrolment(t.db, ring, user, '000000', at(0))).rejects.toThrow(/not right/);
    expect((await login(user, undefined, at(0))).ok).toBe(true); // a pending enrolment does not guard sign-in
    const codes = await confirmEnrolment(t.db, ring, user, totpCode(URI.parse(uri).secret.base32, T0), at(0));
    expect(new Set(codes).size).toBe(10);
    await expect(startEnrolment(t.db, ring, user)).rejects.toThrow(/already on/);
  });

  it('asks for a code after the right password, refuses a wrong one, accepts the current one', async () => {
    const { user, secret } = await enrolled('ana');
    expect(await login(user, undefined, at(60))).toEqual({ ok: false, reason: 'code-needed' });
    expect(await login(user, '123456', at(60))).toEqual({ ok: false, reason: 'wrong-code' });
    expect(await login(user, 'not a code', at(60))).toEqual({ ok: false, reason: 'wrong-code' });
    expect((await login(user, totpCode(secret, T0 + 60_000), at(60))).ok).toBe(true);
  });

  it('accepts a code once: the same code again, or an older one, is refused', async () => {
    const { user, secret } = await enrolled('ben');
    const code = totpCode(secret, T0 + 90_000);
    expect((await login(user, code, at(90))).ok).toBe(true);
    expect(await login(user, code, at(95))).toEqual({ ok: false, reason: 'wrong-code' });
    // The previous step's code is inside the drift window but behind the step already spent.
    expect(await login(user, totpCode(secret, T0 + 60_000), at(95))).toEqual({ ok: false, reason: 'wrong-code' });
  });

  it('lets only one of two simultaneous sign-ins with the same code through', async () => {
    const { user, secret } = await enrolled('ivy');
    const code = totpCode(secret, T0 + 120_000);
    const outcomes = await Promise.all([login(user, code, at(120), '192.0.2.61'), login(user, code, at(120), '192.0.2.62')]);
    expect(outcomes.map((o) => o.ok).sort()).toEqual([false, true]);
  });

  it('allows one step of clock drift either way, not two', async () => {
    const { user, secret } = await enrolled('cleo');
    expect(await login(user, totpCode(secret, T0 + 300_000 + 60_000), at(300))).toEqual({ ok: false, reason: 'wrong-code' });
    expect((await login(user, totpCode(secret, T0 + 300_000 - 30_000), at(300))).ok).toBe(true);
    expect((await login(user, totpCode(secret, T0 + 300_000 + 30_000), at(301))).ok).toBe(true);
    expect(await login(user, totpCode(secret, T0 + 420_000 - 60_000), at(420))).toEqual({ ok: false, reason: 'wrong-code' });
  });

  it('accepts each recovery code once, typed in any case and with spaces', async () => {
    const { user, recovery } = await enrolled('dara');
    const [first] = recovery;
    expect((await login(user, ` ${first!.toUpperCase()} `, at(60))).ok).toBe(true);
    expect(await login(user, first, at(61))).toEqual({ ok: false, reason: 'wrong-code' });
    expect((await login(user, recovery[1], at(62))).ok).toBe(true);
  });

  it('counts wrong codes in the login throttle: the right code is refused once the pair is locked', async () => {
    const { user, secret } = await enrolled('eli');
    const ip = '203.0.113.9';
    for (let i = 0; i < THROTTLE.pair.threshold; i++) expect((await login(user, '000000', at(60 + i), ip)).ok).toBe(false);
    const [pair] = await getThrottles(t.db, [`pair:${ip} ${user.email}`]);
    expect(pair?.failures).toBe(THROTTLE.pair.threshold);
    expect(await login(user, totpCode(secret, T0 + 90_000), at(90), ip)).toMatchObject({ ok: false, reason: 'limited' });
    // The password alone (no code) does not clear the count of wrong codes.
    expect(await login(user, undefined, at(200), ip)).toEqual({ ok: false, reason: 'code-needed' });
    const [after] = await getThrottles(t.db, [`pair:${ip} ${user.email}`]);
    expect(after?.failures).toBe(THROTTLE.pair.threshold);
  });

  it('counts wrong codes per account from any address: spread over many, they still lock the code step', async () => {
    const { user, secret } = await enrolled('kit');
    // Each address stays under the pair's and the account guard's limits (one wrong code each).
    for (let i = 0; i < THROTTLE.code.threshold; i++)
      expect(await login(user, '000000', at(60 + i), `192.0.2.${100 + i}`)).toEqual({ ok: false, reason: 'wrong-code' });
    const fresh = '192.0.2.200';
    expect(await login(user, totpCode(secret, T0 + 90_000), at(90), fresh)).toMatchObject({ ok: false, reason: 'limited' });
    await expect(requireSecondFactor(t.db, ring, user, totpCode(secret, T0 + 90_000), fresh, at(91))).rejects.toThrow(/Too many attempts/);
    // The lock ends (30 s from the last wrong code); the right code then signs in and clears the count.
    expect((await login(user, totpCode(secret, T0 + 120_000), at(120), fresh)).ok).toBe(true);
    expect(await getThrottles(t.db, [`code:${user.email}`])).toEqual([]);
  });

  it('step-up: a user with a second factor must give a fresh code; wrong ones count in the throttle', async () => {
    const { user, secret } = await enrolled('fay');
    await expect(requireSecondFactor(t.db, ring, user, undefined, '192.0.2.50', at(60))).rejects.toThrow(/Enter the code/);
    await expect(requireSecondFactor(t.db, ring, user, '111111', '192.0.2.50', at(60))).rejects.toThrow(/not right/);
    const [pair] = await getThrottles(t.db, [`pair:192.0.2.50 ${user.email}`]);
    expect(pair?.failures).toBe(1);
    await expect(requireSecondFactor(t.db, ring, user, totpCode(secret, T0 + 60_000), '192.0.2.50', at(60))).resolves.toBeUndefined();
    await expect(requireSecondFactor(t.db, ring, user, totpCode(secret, T0 + 60_000), '192.0.2.50', at(61))).rejects.toThrow(
      /already used/,
    );
  });

  it('when owners require it, only users without a second factor must enrol; an owner reset removes it', async () => {
    const { user: withIt } = await enrolled('gus');
    const without = await insertUser(t.db, { email: 'hal@example.test', name: 'h', role: 'viewer', passwordHash: 'x' });
    expect(await mustEnrol(t.db, without)).toBe(false);
    await setTwoFactorRequired(t.db, true);
    try {
      expect(await mustEnrol(t.db, without)).toBe(true);
      expect(await mustEnrol(t.db, withIt)).toBe(false);
      await resetTwoFactor(t.db, withIt.id);
      expect(await mustEnrol(t.db, withIt)).toBe(true);
      expect((await login(withIt, undefined, at(60))).ok).toBe(true); // the password alone signs in again
      await expect(resetTwoFactor(t.db, withIt.id)).rejects.toThrow(/no second factor/);
    } finally {
      await setTwoFactorRequired(t.db, false);
    }
  });
});

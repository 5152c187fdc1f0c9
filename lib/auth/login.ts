import type { Db } from '@/db';
import { findUserByEmail, touchLastLogin } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import type { KeyRing } from '@/lib/crypto';
import { getRuntime } from '@/lib/runtime';
import { burnPasswordCheck, verifyPassword } from './password';
import { holdThrottle, noteCodeFailure, noteCodeSuccess, noteFailure, noteSuccess, secondsCodeLocked, secondsLocked } from './throttle';
import { checkSecondFactor, hasEnabledTwoFactor } from './two-factor';

/** `code`: the authenticator's 6 digits or a recovery code, for a user with two-factor sign-in. */
export type LoginAttempt = { email: string; password: string; ip: string | null; code?: string };
export type LoginOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  /** The password was right; the user has a second factor and gave no code: ask for one. */
  | { ok: false; reason: 'code-needed' }
  | { ok: false; reason: 'wrong-code' }
  | { ok: false; reason: 'limited'; retryAfter: number };

/**
 * The only place a password is checked. Auth.js's authorize() calls it, so every path to a
 * session goes through the same throttle and the same audit row.
 */
export async function attemptLogin(db: Db, attempt: LoginAttempt, now = new Date(), ring?: KeyRing): Promise<LoginOutcome> {
  // One transaction holding the account's and the address's counters: parallel guesses are
  // decided one after another, so none slips past a lock that an earlier one just set.
  return db.transaction((tx) => decide(tx as unknown as Db, attempt, now, ring));
}

async function decide(db: Db, attempt: LoginAttempt, now: Date, ring?: KeyRing): Promise<LoginOutcome> {
  const email = attempt.email.trim().toLowerCase();
  const subject = { email, ip: attempt.ip };
  const base = { action: 'auth.login', actorEmail: email, ip: attempt.ip } as const;

  await holdThrottle(db, subject);
  const locked = await secondsLocked(db, subject, now);
  if (locked > 0) {
    await recordAudit(db, { ...base, outcome: 'denied', reason: `rate limited for ${locked}s` });
    return { ok: false, reason: 'limited', retryAfter: locked };
  }

  const user = await findUserByEmail(db, email);
  const passwordOk = user ? await verifyPassword(user.passwordHash, attempt.password) : false;
  if (!user) await burnPasswordCheck(attempt.password);

  if (!user || !passwordOk || user.disabledAt) {
    await noteFailure(db, subject, now);
    const reason = !user ? 'unknown account' : !passwordOk ? 'wrong password' : 'account disabled';
    await recordAudit(db, { ...base, actor: user ?? null, outcome: 'failure', reason });
    return { ok: false, reason: 'invalid' };
  }

  let secondFactor: string | undefined;
  if (await hasEnabledTwoFactor(db, user.id)) {
    // The pair's counter is not cleared until the code is right too: otherwise the password
    // alone, sent between guesses, would reset the count of wrong codes.
    if (!attempt.code?.trim()) return { ok: false, reason: 'code-needed' };
    // Refused unchecked while locked, so the lock cannot be guessed through.
    const codeLocked = await secondsCodeLocked(db, email, now);
    if (codeLocked > 0) {
      await recordAudit(db, { ...base, actor: user, outcome: 'denied', reason: `second-factor codes rate limited for ${codeLocked}s` });
      return { ok: false, reason: 'limited', retryAfter: codeLocked };
    }
    secondFactor = await checkSecondFactor(db, ring ?? getRuntime().keyRing, user.id, attempt.code, now);
    if (secondFactor === 'wrong') {
      await noteFailure(db, subject, now);
      await noteCodeFailure(db, email, now);
      await recordAudit(db, { ...base, actor: user, outcome: 'failure', reason: 'wrong or reused second-factor code' });
      return { ok: false, reason: 'wrong-code' };
    }
  }

  if (secondFactor) await noteCodeSuccess(db, email);
  await noteSuccess(db, subject);
  await touchLastLogin(db, user.id);
  await recordAudit(db, { ...base, actor: user, outcome: 'success', details: secondFactor ? { secondFactor } : undefined });
  return { ok: true, user };
}

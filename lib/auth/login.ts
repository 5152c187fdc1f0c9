import type { Db } from '@/db';
import { findUserByEmail, touchLastLogin } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { burnPasswordCheck, verifyPassword } from './password';
import { holdThrottle, noteFailure, noteSuccess, secondsLocked } from './throttle';

export type LoginAttempt = { email: string; password: string; ip: string | null };
export type LoginOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'limited'; retryAfter: number };

/**
 * The only place a password is checked. Auth.js's authorize() calls it, so every path to a
 * session goes through the same throttle and the same audit row.
 */
export async function attemptLogin(db: Db, attempt: LoginAttempt, now = new Date()): Promise<LoginOutcome> {
  // One transaction holding the account's and the address's counters: parallel guesses are
  // decided one after another, so none slips past a lock that an earlier one just set.
  return db.transaction((tx) => decide(tx as unknown as Db, attempt, now));
}

async function decide(db: Db, attempt: LoginAttempt, now: Date): Promise<LoginOutcome> {
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

  await noteSuccess(db, subject);
  await touchLastLogin(db, user.id);
  await recordAudit(db, { ...base, actor: user, outcome: 'success' });
  return { ok: true, user };
}

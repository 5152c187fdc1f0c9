import type { Db } from '@/db';
import type { User } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { ActionError } from './action-core';
import { holdThrottle, noteCodeFailure, noteCodeSuccess, noteFailure, secondsCodeLocked, secondsLocked } from './throttle';
import { checkSecondFactor, hasEnabledTwoFactor } from './two-factor';

export const CODE_NEEDED = 'Enter the code from your authenticator app (or a recovery code).';
export const WRONG_CODE = 'That code is not right, or was already used.';

/**
 * Step-up for sensitive actions (creating an API token): a user with two-factor sign-in gives a
 * fresh code. Wrong codes count in the login throttle like wrong sign-in codes, and a locked
 * account and address are refused before the code is checked, so a session cannot be used to
 * guess codes faster than the login page allows. A user without a second factor passes.
 */
export async function requireSecondFactor(
  db: Db,
  ring: KeyRing,
  user: User,
  code: string | undefined,
  ip: string | null,
  now = new Date(),
) {
  if (!(await hasEnabledTwoFactor(db, user.id))) return;
  if (!code?.trim()) throw new ActionError(CODE_NEEDED, { code: [CODE_NEEDED] });
  const subject = { email: user.email, ip };
  const outcome = await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    await holdThrottle(tx, subject);
    const locked = Math.max(await secondsLocked(tx, subject, now), await secondsCodeLocked(tx, user.email, now));
    if (locked > 0) return `Too many attempts: wait ${locked}s.`;
    if ((await checkSecondFactor(tx, ring, user.id, code, now)) !== 'wrong') {
      await noteCodeSuccess(tx, user.email);
      return null;
    }
    await noteFailure(tx, subject, now);
    await noteCodeFailure(tx, user.email, now);
    return WRONG_CODE;
  });
  if (outcome) throw new ActionError(outcome, { code: [outcome] });
}

'use server';

import { z } from 'zod';
import type { Db } from '@/db';
import { findUserById } from '@/db/queries/users';
import { ActionError, authedAction, enrolmentAction } from '@/lib/auth/action';
import { updateSession } from '@/lib/auth/auth';
import { clientIp } from '@/lib/auth/client-ip';
import { attemptLogin, type LoginOutcome } from '@/lib/auth/login';
import { reauthProof } from '@/lib/auth/reauth-proof';
import { CODE_NEEDED, WRONG_CODE } from '@/lib/auth/step-up';
import {
  confirmEnrolment,
  deleteTwoFactor,
  hasEnabledTwoFactor,
  resetTwoFactor,
  setTwoFactorRequired,
  startEnrolment,
} from '@/lib/auth/two-factor';
import { opaqueText, singleLine } from '@/lib/model/text';
import { signOutThisSession } from '@/lib/auth/session';
import { getRuntime } from '@/lib/runtime';

const code = singleLine(64).trim().min(1, 'Enter the code from your authenticator app');
const password = opaqueText(200).min(1, 'Enter your password');

/** Enrolment works for a user who owes the required second factor (enrolmentAction), and for everyone else. */
export const startTwoFactorAction = enrolmentAction(
  { audit: 'auth.2fa.start', role: 'viewer', schema: z.object({}) },
  async (_input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    return startEnrolment(ctx.db, getRuntime().keyRing, ctx.user);
  },
);

export const confirmTwoFactorAction = enrolmentAction(
  { audit: 'auth.2fa.enable', role: 'viewer', schema: z.object({ code }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    return { recoveryCodes: await confirmEnrolment(ctx.db, getRuntime().keyRing, ctx.user, input.code) };
  },
);

/** Why a check of the password and code failed, as the form shows it (beside the right field). */
function refusal(outcome: Exclude<LoginOutcome, { ok: true }>): ActionError {
  if (outcome.reason === 'limited') return new ActionError(`Too many attempts: wait ${outcome.retryAfter}s.`);
  if (outcome.reason === 'code-needed') return new ActionError(CODE_NEEDED, { code: [CODE_NEEDED] });
  if (outcome.reason === 'wrong-code') return new ActionError(WRONG_CODE, { code: [WRONG_CODE] });
  return new ActionError('That password is not right.', { password: ['That password is not right.'] });
}

/** Both factors through the login path, so the throttle counts wrong passwords and codes alike. */
async function proveBothFactors(db: Db, email: string, input: { password: string; code?: string }): Promise<LoginOutcome> {
  return attemptLogin(db, { email, password: input.password, code: input.code || undefined, ip: await clientIp() });
}

/** Turning it off asks for both factors: a stolen session alone cannot remove the second one. */
export const disableTwoFactorAction = authedAction(
  { audit: 'auth.2fa.disable', role: 'viewer', schema: z.object({ password, code }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    const outcome = await proveBothFactors(ctx.db, ctx.user.email, input);
    if (!outcome.ok) throw refusal(outcome);
    await deleteTwoFactor(ctx.db, ctx.user.id);
    return null;
  },
);

/**
 * The shared "confirm your password" of reveals (sudo mode): with a second factor, the code too.
 * A user with one who sent no code gets `codeNeeded`, and the form then shows the code field.
 */
export const confirmIdentityAction = authedAction(
  { audit: 'auth.reauth', role: 'viewer', schema: z.object({ password, code: singleLine(64).trim().optional() }) },
  async (input, ctx) => {
    const outcome = await proveBothFactors(ctx.db, ctx.user.email, input);
    if (!outcome.ok && outcome.reason === 'code-needed') {
      ctx.setDetails({ codeNeeded: true });
      return { confirmed: false, codeNeeded: true };
    }
    if (!outcome.ok) throw refusal(outcome);
    await updateSession({ reauth: reauthProof(ctx.user.id) } as never);
    return { confirmed: true, codeNeeded: false };
  },
);

export const requireTwoFactorAction = authedAction(
  { audit: 'settings.2fa.require', role: 'owner', schema: z.object({ required: z.enum(['true', 'false']) }) },
  async (input, ctx) => {
    ctx.setTarget('settings:two-factor');
    ctx.setDetails({ required: input.required === 'true' });
    // Otherwise the owner's own next page would be the enrolment step, a surprise at best.
    if (input.required === 'true' && !(await hasEnabledTwoFactor(ctx.db, ctx.user.id)))
      throw new ActionError('Turn on your own two-factor sign-in first (above), then require it of everyone.');
    await setTwoFactorRequired(ctx.db, input.required === 'true');
    return null;
  },
);

/** For a user who lost their device: they sign in with the password alone again (and enrol again if required). */
export const resetTwoFactorAction = authedAction(
  { audit: 'user.2fa.reset', role: 'owner', schema: z.object({ userId: z.coerce.number().int().positive() }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${input.userId}`);
    // Your own goes through "Turn off", which asks for the password and a code.
    if (input.userId === ctx.user.id) throw new ActionError('Turn off your own second factor in "Your account".');
    const user = await findUserById(ctx.db, input.userId);
    if (!user) throw new ActionError('No such user.');
    ctx.setDetails({ email: user.email });
    await resetTwoFactor(ctx.db, user.id);
    return null;
  },
);

/** Sign-out from the enrolment step (the panel's own logout does not see a user who owes the second factor). */
export const signOutBeforeEnrolmentAction = enrolmentAction({ audit: 'auth.logout', role: 'viewer', schema: z.unknown() }, async () => {
  await signOutThisSession();
  return null;
});

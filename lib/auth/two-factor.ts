import type { Db } from '@/db';
import { getSetting, putSetting } from '@/db/queries/settings';
import {
  deleteTwoFactor,
  enableTwoFactor,
  findTwoFactor,
  hasEnabledTwoFactor,
  putPendingTwoFactor,
  spendRecoveryCode,
  spendTotpStep,
  unusedRecoveryCodes,
  usersWithTwoFactor,
} from '@/db/queries/two-factor';
import type { User } from '@/db/schema';
import { twoFactorSecretAad } from '@/db/sealed-aad';
import { type KeyRing, open, seal } from '@/lib/crypto';
import { ActionError } from './action-core';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes';
import { acceptedStep, newTotpSecret, totpQrSvg, totpUri } from './totp';

/** The owners' switch: every user must have a second factor before they can use the panel. */
const REQUIRED_SETTING = 'two_factor_required';

export async function twoFactorRequired(db: Db): Promise<boolean> {
  return (await getSetting(db, REQUIRED_SETTING)) === 'true';
}

export async function setTwoFactorRequired(db: Db, required: boolean): Promise<void> {
  await putSetting(db, REQUIRED_SETTING, String(required));
}

/** True when owners require a second factor and this user has none yet: they may only enrol. */
export async function mustEnrol(db: Db, user: User): Promise<boolean> {
  return (await twoFactorRequired(db)) && !(await hasEnabledTwoFactor(db, user.id));
}

export { hasEnabledTwoFactor };

export type Enrolment = { uri: string; qrSvg: string };

/** A fresh secret, sealed, waiting for its first code. Starting again replaces an unconfirmed one. */
export async function startEnrolment(db: Db, ring: KeyRing, user: User): Promise<Enrolment> {
  const secret = newTotpSecret();
  if (!(await putPendingTwoFactor(db, user.id, seal(ring, secret, twoFactorSecretAad(user.id)))))
    throw new ActionError('Two-factor sign-in is already on. Turn it off first to enrol a new authenticator.');
  const uri = totpUri(secret, user.email);
  return { uri, qrSvg: totpQrSvg(uri) };
}

const WRONG_CODE = 'That code is not right. Check the time on your device and try the current code.';

/** The first valid code turns the authenticator on and returns the recovery codes, the only time they exist in the clear. */
export async function confirmEnrolment(db: Db, ring: KeyRing, user: User, code: string, now = new Date()): Promise<string[]> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const row = await findTwoFactor(tx, user.id, { lock: true });
    if (!row) throw new ActionError('Start the enrolment first.');
    if (row.enabledAt) throw new ActionError('Two-factor sign-in is already on.');
    const step = acceptedStep(open(ring, row.secretSealed, twoFactorSecretAad(user.id)), code.trim(), now.getTime(), null);
    if (step === null) throw new ActionError(WRONG_CODE, { code: [WRONG_CODE] });
    const codes = newRecoveryCodes();
    await enableTwoFactor(
      tx,
      user.id,
      step,
      codes.map((c) => recoveryCodeHash(c)!),
      now,
    );
    return codes;
  });
}

export type SecondFactorCheck = 'not-enrolled' | 'totp' | 'recovery' | 'wrong';

/**
 * Checks a second factor (a 6-digit code or a recovery code) and spends it: a code's time step,
 * or the recovery code, is accepted once. Call inside a transaction: the row lock makes two
 * requests with the same code run one after the other, so the second sees the step spent.
 */
export async function checkSecondFactor(db: Db, ring: KeyRing, userId: number, code: string, now = new Date()): Promise<SecondFactorCheck> {
  const row = await findTwoFactor(db, userId, { lock: true });
  if (!row?.enabledAt) return 'not-enrolled';
  const text = code.trim();
  const step = acceptedStep(open(ring, row.secretSealed, twoFactorSecretAad(userId)), text, now.getTime(), row.lastUsedStep);
  if (step !== null) {
    await spendTotpStep(db, userId, step);
    return 'totp';
  }
  const hash = recoveryCodeHash(text);
  if (hash && (await spendRecoveryCode(db, userId, hash, now))) return 'recovery';
  return 'wrong';
}

/** An owner's reset for a user who lost their device; the action audits it. */
export async function resetTwoFactor(db: Db, userId: number): Promise<void> {
  if (!(await deleteTwoFactor(db, userId))) throw new ActionError('That user has no second factor.');
}

export { deleteTwoFactor };

export type TwoFactorOverview = {
  enabled: boolean;
  recoveryLeft: number;
  required: boolean;
  /** For owners: the other users who have a second factor (whom they may reset). */
  enrolled: { id: number; email: string }[];
};

/** What the settings page shows about second factors, for `me`. */
export async function twoFactorOverview(db: Db, me: User): Promise<TwoFactorOverview> {
  const enabled = await hasEnabledTwoFactor(db, me.id);
  return {
    enabled,
    recoveryLeft: enabled ? await unusedRecoveryCodes(db, me.id) : 0,
    required: await twoFactorRequired(db),
    enrolled: me.role === 'owner' ? (await usersWithTwoFactor(db)).filter((u) => u.id !== me.id) : [],
  };
}

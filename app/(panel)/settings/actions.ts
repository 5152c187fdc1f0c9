'use server';

import { z } from 'zod';
import { opaqueText, singleLine } from '@/lib/model/text';
import { newUserInput, passwordInput, roleInput } from '@/db/schema';
import { revokeApiToken } from '@/db/queries/api-tokens';
import { ActionError, authedAction } from '@/lib/auth/action';
import { createApiToken, newTokenInput } from '@/lib/auth/api-tokens';
import { requireSecondFactor } from '@/lib/auth/step-up';
import { getRuntime } from '@/lib/runtime';
import { signOutThisSession } from '@/lib/auth/session';
import { changeOwnPassword, changeRole, createUser, resetPassword, setDisabled } from '@/lib/users/manage';
import { monitoringSettings, monitoringSettingsInput, saveMonitoringSettings } from '@/lib/monitors/settings';

const userId = z.coerce.number().int().positive();

export const addUser = authedAction({ audit: 'user.create', role: 'admin', schema: newUserInput }, async (input, ctx) => {
  const user = await createUser(ctx.db, ctx.user, input);
  ctx.setTarget(`user:${user.id}`);
  ctx.setDetails({ email: user.email, role: user.role });
  return { id: user.id };
});

export const setUserRole = authedAction(
  { audit: 'user.role', role: 'admin', schema: z.object({ userId, role: roleInput }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${input.userId}`);
    const before = await changeRole(ctx.db, ctx.user, input.userId, input.role);
    ctx.setDetails({ from: before.role, to: input.role });
    return null;
  },
);

export const setUserDisabled = authedAction(
  {
    audit: 'user.disable',
    role: 'admin',
    schema: z.object({ userId, disabled: z.enum(['true', 'false']).transform((v) => v === 'true') }),
  },
  async (input, ctx) => {
    ctx.setTarget(`user:${input.userId}`);
    ctx.setDetails({ disabled: input.disabled });
    await setDisabled(ctx.db, ctx.user, input.userId, input.disabled);
    return null;
  },
);

export const resetUserPassword = authedAction(
  { audit: 'user.password.reset', role: 'admin', schema: z.object({ userId, password: passwordInput }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${input.userId}`);
    await resetPassword(ctx.db, ctx.user, input.userId, input.password);
    return null;
  },
);

const ownPasswordInput = z
  .object({ current: opaqueText(200).min(1, 'Enter your current password'), password: passwordInput, confirm: opaqueText(200) })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The passwords do not match' });

/** Changing your password ends every session, this one included: you sign in again. */
export const changeMyPassword = authedAction(
  { audit: 'user.password.change', role: 'viewer', schema: ownPasswordInput },
  async (input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    await changeOwnPassword(ctx.db, ctx.user, input.current, input.password);
    await signOutThisSession();
    return null;
  },
);

/** Retention of check results and rollups; the other monitoring settings (FPM polling) are kept as they are. */
export const saveMonitoringRetention = authedAction(
  {
    audit: 'settings.monitoring',
    role: 'admin',
    schema: monitoringSettingsInput.pick({ rawHours: true, minuteHours: true, hourDays: true, dayDays: true }),
  },
  async (input, ctx) => {
    const before = await monitoringSettings(ctx.db);
    ctx.setTarget('settings:monitoring');
    ctx.setDetails({
      from: { rawHours: before.rawHours, minuteHours: before.minuteHours, hourDays: before.hourDays, dayDays: before.dayDays },
      to: input,
    });
    await saveMonitoringSettings(ctx.db, { ...before, ...input });
    return null;
  },
);

/**
 * A personal API token for the signed-in user (any role): shown once, in this response only. A
 * token outlives the session, so a user with two-factor sign-in gives a fresh code for it.
 */
export const createApiTokenAction = authedAction(
  { audit: 'api.token.create', role: 'viewer', schema: newTokenInput.extend({ code: singleLine(64).optional() }) },
  async ({ code, ...input }, ctx) => {
    await requireSecondFactor(ctx.db, getRuntime().keyRing, ctx.user, code, ctx.ip);
    const { token, text } = await createApiToken(ctx.db, ctx.user, input);
    ctx.setTarget(`api-token:${token.id}`);
    ctx.setDetails({ name: token.name, role: token.role, expiresAt: token.expiresAt?.toISOString() ?? null });
    return { token: text };
  },
);

/** Revokes one of the user's own tokens; it stops working at once (the next request is a 401). */
export const revokeApiTokenAction = authedAction(
  { audit: 'api.token.revoke', role: 'viewer', schema: z.object({ tokenId: z.uuid() }) },
  async (input, ctx) => {
    ctx.setTarget(`api-token:${input.tokenId}`);
    if (!(await revokeApiToken(ctx.db, input.tokenId, ctx.user.id))) throw new ActionError('No such live token of yours.');
    return null;
  },
);

'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { opaqueText, singleLine } from '@/lib/model/text';
import { db } from '@/db';
import { emailInput, nameInput, passwordInput } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import type { ActionResult } from '@/lib/auth/action-core';
import { fieldErrorsOf, formDataToObject } from '@/lib/auth/action-core';
import { signIn } from '@/lib/auth/auth';
import { clientIp } from '@/lib/auth/client-ip';
import { createOwner, SetupError } from '@/lib/auth/setup';

const setupInput = z
  .object({ token: singleLine(100).min(1), email: emailInput, name: nameInput, password: passwordInput, confirm: opaqueText(200) })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The passwords do not match' });

/**
 * The only action without a session: the one-time token is its authorization, checked and
 * consumed inside createOwner's transaction.
 */
export async function setupOwner(_prev: unknown, payload: unknown): Promise<ActionResult<null>> {
  const parsed = setupInput.safeParse(formDataToObject(payload));
  if (!parsed.success)
    return { ok: false, error: 'Please correct the highlighted fields.', code: 'invalid_input', fieldErrors: fieldErrorsOf(parsed.error) };
  const { token, email, name, password } = parsed.data;
  const ip = await clientIp();
  try {
    await createOwner(db(), token, { email, name, password }, ip);
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    await recordAudit(db(), { action: 'setup.owner', actorEmail: email, outcome: 'denied', reason: err.message, ip });
    return { ok: false, error: err.message, code: 'rejected' };
  }
  await signIn('credentials', { email, password, redirect: false });
  redirect('/');
}

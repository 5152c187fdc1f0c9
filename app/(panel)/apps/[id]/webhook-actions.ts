'use server';

import { z } from 'zod';
import { findApp } from '@/db/queries/apps';
import { deleteWebhook, saveWebhook } from '@/db/queries/webhooks';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { generateWebhookSecret, sealWebhookSecret } from '@/lib/releases/webhook';
import { getRuntime } from '@/lib/runtime';

const appInput = z.object({ appId: z.uuid('Unknown app') });

/**
 * Creates the app's webhook secret, or replaces it (CI must then be given the new one). The
 * secret is returned this once, for the page to show; only its sealed form is stored, and the
 * audit row says whether it was a rotation, never the secret.
 */
export const rotateWebhookSecret = authedAction({ audit: 'app.webhook.rotate', role: 'admin', schema: appInput }, async (input, ctx) => {
  ctx.setTarget(`app:${input.appId}`);
  if (!(await findApp(ctx.db, input.appId))) throw new ActionError('That app does not exist.');
  const secret = generateWebhookSecret();
  const { rotated } = await saveWebhook(ctx.db, input.appId, sealWebhookSecret(getRuntime().keyRing, input.appId, secret));
  ctx.setDetails({ rotated });
  return { secret, rotated };
});

/** Removes the webhook: deliveries are refused (404) until a new secret is created. */
export const removeWebhook = authedAction({ audit: 'app.webhook.remove', role: 'admin', schema: appInput }, async (input, ctx) => {
  ctx.setTarget(`app:${input.appId}`);
  if (!(await deleteWebhook(ctx.db, input.appId))) throw new ActionError('This app has no webhook.');
  return { removed: true };
});

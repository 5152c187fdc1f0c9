'use server';

import { z } from 'zod';
import { findApp } from '@/db/queries/apps';
import { poolInput } from '@/lib/apps/config';
import { appFormInput } from '@/lib/apps/form-input';
import { createApp, requestConfigure, updateApp } from '@/lib/apps/manage';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { getRuntime } from '@/lib/runtime';

const enqueue: Parameters<typeof requestConfigure>[1] = (payload, key) => getRuntime().jobs.send(payload, key);
const appId = z.uuid('Unknown app');

/** Creating an app also configures it on its servers, as Forge does. */
export const addApp = authedAction({ audit: 'app.create', role: 'admin', schema: appFormInput }, async (input, ctx) => {
  const app = await createApp(ctx.db, input);
  ctx.setTarget(`app:${app.id}`);
  ctx.setDetails({ slug: app.slug, kind: input.config.kind, domains: input.config.domains, servers: input.serverIds });
  await requestConfigure(ctx.db, enqueue, app.id, ctx.user.id);
  return { id: app.id };
});

/** Pool settings apply by re-running configure: no release needed. */
export const updateAppPool = authedAction(
  { audit: 'app.pool', role: 'admin', schema: z.object({ appId, maxChildren: z.string() }) },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    const pool = poolInput.safeParse({ ...app.config.pool, maxChildren: input.maxChildren });
    if (!pool.success) throw new ActionError('Please correct the highlighted fields.', { maxChildren: pool.error.issues.map((i) => i.message) });
    await updateApp(ctx.db, input.appId, { ...app.config, pool: pool.data });
    ctx.setDetails({ from: app.config.pool.maxChildren, to: pool.data.maxChildren });
    await requestConfigure(ctx.db, enqueue, input.appId, ctx.user.id);
    return null;
  },
);

export const configureApp = authedAction({ audit: 'app.configure', role: 'admin', schema: z.object({ appId }) }, async (input, ctx) => {
  ctx.setTarget(`app:${input.appId}`);
  await requestConfigure(ctx.db, enqueue, input.appId, ctx.user.id);
  return null;
});

'use server';

import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import { findApp } from '@/db/queries/apps';
import { listServers } from '@/db/queries/servers';
import { configFields, configFromForm, appFormInput, rolesFrom } from '@/lib/apps/form-input';
import { changedSettings } from '@/lib/apps/changes';
import { busyNotice, createApp, placeApp, requestConfigure, updateApp } from '@/lib/apps/manage';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { enqueue } from '@/lib/runtime';

const appId = z.uuid('Unknown app');

/** Creating an app also configures it on its servers, as Forge does. */
export const addApp = authedAction({ audit: 'app.create', role: 'admin', schema: appFormInput }, async (input, ctx) => {
  const app = await createApp(ctx.db, input);
  ctx.setTarget(`app:${app.id}`);
  ctx.setDetails({ slug: app.slug, kind: input.config.kind, domains: input.config.domains, placements: input.placements });
  const { busy } = await requestConfigure(ctx.db, enqueue, app.id, ctx.user.id);
  return { id: app.id, ...busyNotice(busy) };
});

/**
 * Settings (the pool form and the settings form share it): a field the form did not send keeps
 * its value. Applying means re-running configure: no release needed.
 */
export const updateAppSettings = authedAction(
  {
    audit: 'app.settings',
    role: 'admin',
    schema: configFields.extend({ appId, name: trimmedLine(80).min(1, 'Name is required').optional() }),
  },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    const serverIdByName = new Map((await listServers(ctx.db)).map((s) => [s.name, s.id]));
    const result = configFromForm(input, app.config, serverIdByName);
    if (!result.ok) throw new ActionError('Please correct the highlighted fields.', result.fieldErrors);
    await updateApp(ctx.db, input.appId, result.config, input.name);
    const { busy } = await requestConfigure(ctx.db, enqueue, input.appId, ctx.user.id);
    ctx.setDetails({ changed: changedSettings(app.config, result.config), ...(busy.length && { busy }) });
    return busyNotice(busy);
  },
);

/** Roles per server: a select named role-<serverId> with web, worker, both, or (for new servers) none. */
export const updateAppPlacement = authedAction(
  { audit: 'app.placement', role: 'admin', schema: z.object({ appId }).catchall(z.unknown()) },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const entries = Object.entries(input).filter(([key, value]) => key.startsWith('role-') && value !== 'none');
    const changes = entries.map(([key, value]) => ({ serverId: key.slice('role-'.length), roles: rolesFrom(value) }));
    if (changes.some((c) => !z.uuid().safeParse(c.serverId).success)) throw new ActionError('Unknown server in the form.');
    await placeApp(ctx.db, input.appId, changes);
    const { busy } = await requestConfigure(ctx.db, enqueue, input.appId, ctx.user.id);
    ctx.setDetails({ placements: changes, ...(busy.length && { busy }) });
    return busyNotice(busy);
  },
);

export const configureApp = authedAction({ audit: 'app.configure', role: 'admin', schema: z.object({ appId }) }, async (input, ctx) => {
  ctx.setTarget(`app:${input.appId}`);
  const { busy } = await requestConfigure(ctx.db, enqueue, input.appId, ctx.user.id);
  return busyNotice(busy);
});

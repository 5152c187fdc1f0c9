'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authedAction, ActionError } from '@/lib/auth/action';
import { channelFormInput, removeChannel, saveChannel, sendTestNotification, setChannelEnabled } from '@/lib/notify/channels';
import { getRuntime } from '@/lib/runtime';

const channelId = z.object({ channelId: z.uuid('Unknown channel') });

/** The audit row names the channel and what it receives, never its settings (they hold the secrets). */
export const createChannelAction = authedAction(
  { audit: 'notify.channel.create', role: 'admin', schema: channelFormInput.omit({ id: true }) },
  async (input, ctx) => {
    const channel = await saveChannel(ctx.db, getRuntime().keyRing, { ...input, id: undefined });
    ctx.setTarget(`notification_channel:${channel.id}`);
    ctx.setDetails({ kind: channel.kind, name: channel.name, events: channel.events });
    return { id: channel.id };
  },
);

export const updateChannelAction = authedAction(
  { audit: 'notify.channel.update', role: 'admin', schema: channelFormInput.required({ id: true }) },
  async (input, ctx) => {
    ctx.setTarget(`notification_channel:${input.id}`);
    const channel = await saveChannel(ctx.db, getRuntime().keyRing, input);
    ctx.setDetails({ kind: channel.kind, name: channel.name, events: channel.events });
    return { id: channel.id };
  },
);

export const setChannelEnabledAction = authedAction(
  {
    audit: 'notify.channel.enable',
    role: 'admin',
    schema: channelId.extend({ enabled: z.enum(['true', 'false']).transform((v) => v === 'true') }),
  },
  async (input, ctx) => {
    ctx.setTarget(`notification_channel:${input.channelId}`);
    ctx.setDetails({ enabled: input.enabled });
    await setChannelEnabled(ctx.db, input.channelId, input.enabled);
    return null;
  },
);

export const deleteChannelAction = authedAction(
  { audit: 'notify.channel.delete', role: 'admin', schema: channelId },
  async (input, ctx) => {
    ctx.setTarget(`notification_channel:${input.channelId}`);
    const removed = await removeChannel(ctx.db, input.channelId);
    ctx.setDetails({ kind: removed.kind, name: removed.name });
    return null;
  },
);

/**
 * Sent now, not through the outbox; a failure comes back as the form's error and stays on the
 * channel. Either way the send is a new row under Recent deliveries: the page is revalidated here
 * because the form only refreshes it after a success.
 */
export const sendTestAction = authedAction({ audit: 'notify.channel.test', role: 'admin', schema: channelId }, async (input, ctx) => {
  ctx.setTarget(`notification_channel:${input.channelId}`);
  const { keyRing, env } = getRuntime();
  const outcome = await sendTestNotification(ctx.db, keyRing, input.channelId, { base: env.publicUrl });
  revalidatePath('/alerts');
  if (!outcome.ok) throw new ActionError(`The test did not go through: ${outcome.error}`);
  return null;
});

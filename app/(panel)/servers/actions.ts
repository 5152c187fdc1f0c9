'use server';

import { z } from 'zod';
import { multiLine, singleLine } from '@/lib/model/text';
import { newServerInput } from '@/db/schema';
import { authedAction } from '@/lib/auth/action';
import { FINGERPRINT } from '@/lib/remote/fingerprint';
import { enqueue, getRuntime } from '@/lib/runtime';
import { createServer } from '@/lib/servers/create';
import { setServerKey } from '@/lib/servers/define';
import { findServer } from '@/db/queries/servers';
import { ActionError } from '@/lib/auth/action-core';
import { pinHostKey, requestProbe, requestProvision } from '@/lib/servers/requests';

const serverId = z.uuid('Unknown server');
const fingerprint = singleLine(100).regex(FINGERPRINT, 'Not a SHA256 fingerprint');

export const addServer = authedAction({ audit: 'server.create', role: 'admin', schema: newServerInput }, async (input, ctx) => {
  const server = await createServer(ctx.db, getRuntime().keyRing, { ...input, privateKey: input.privateKey || undefined });
  ctx.setTarget(`server:${server.id}`);
  ctx.setDetails({ name: server.name, host: server.host, port: server.port, username: server.username, keyGenerated: !input.privateKey });
  return { id: server.id };
});

export const testConnection = authedAction({ audit: 'server.probe', role: 'admin', schema: z.object({ serverId }) }, async (input, ctx) => {
  ctx.setTarget(`server:${input.serverId}`);
  await requestProbe(ctx.db, enqueue, input.serverId);
  return null;
});

export const pinServerHostKey = authedAction(
  { audit: 'server.hostkey.pin', role: 'admin', schema: z.object({ serverId, fingerprint }) },
  async (input, ctx) => {
    ctx.setTarget(`server:${input.serverId}`);
    const { previous } = await pinHostKey(ctx.db, input.serverId, input.fingerprint);
    ctx.setDetails({ fingerprint: input.fingerprint, previous });
    return null;
  },
);

export const provisionServer = authedAction(
  { audit: 'server.provision', role: 'admin', schema: z.object({ serverId, retry: z.enum(['0', '1']).default('0') }) },
  async (input, ctx) => {
    ctx.setTarget(`server:${input.serverId}`);
    const run = await requestProvision(ctx.db, enqueue, input.serverId, ctx.user.id, input.retry === '1');
    ctx.setDetails({ runId: run.id, startAt: run.startAt });
    return { runId: run.id };
  },
);

/** A server imported from a definition has no key yet ("needs value"): paste one, or let Berth make a pair. */
export const setKey = authedAction(
  {
    audit: 'server.key.set',
    role: 'admin',
    schema: z.object({ serverId, privateKey: multiLine(20_000).trim().optional() }),
  },
  async (input, ctx) => {
    ctx.setTarget(`server:${input.serverId}`);
    const server = await findServer(ctx.db, input.serverId);
    if (!server) throw new ActionError('That server does not exist.');
    if (server.privateKeySealed) throw new ActionError(`${server.name} already has its key.`);
    await setServerKey(ctx.db, getRuntime().keyRing, server, input.privateKey || undefined);
    ctx.setDetails({ keyGenerated: !input.privateKey });
    return null;
  },
);

'use server';

import { z } from 'zod';
import { appsSharingServers } from '@/db/queries/apps';
import { queueConfigure } from '@/lib/apps/configure-queue';
import { authedAction } from '@/lib/auth/action';
import { singleLine } from '@/lib/model/text';
import { enqueue } from '@/lib/runtime';
import { deleteServer } from '@/lib/servers/delete';
import { editServer, serverEditInput } from '@/lib/servers/edit';
import { requestProbe } from '@/lib/servers/requests';

const serverId = z.uuid('Unknown server');

/**
 * Name, port, login user and bind address (admin). The pinned host key stays; a new port or user
 * is tested at once (a probe, which compares the key with the pin); a new bind address
 * reconfigures the server's apps, whose vhosts listen on it.
 */
export const updateServerSettings = authedAction(
  { audit: 'server.edit', role: 'admin', schema: serverEditInput.extend({ serverId }) },
  async ({ serverId: id, ...input }, ctx) => {
    ctx.setTarget(`server:${id}`);
    const outcome = await editServer(ctx.db, id, input);
    ctx.setDetails({ changed: outcome.changed });
    if (outcome.reprobe && outcome.server.hostKeyFingerprint && !outcome.server.hostKeyMismatchAt) await requestProbe(ctx.db, enqueue, id);
    if (outcome.reconfigure) {
      const apps = await appsSharingServers(ctx.db, [id], null);
      await queueConfigure(
        ctx.db,
        enqueue,
        apps.map((a) => a.id),
        ctx.user.id,
      );
    }
    return { changed: outcome.changed };
  },
);

/** Deletes the server from the panel (admin, its name typed), only once no app uses it. */
export const removeServer = authedAction(
  { audit: 'server.delete', role: 'admin', schema: z.object({ serverId, confirmName: singleLine(40) }) },
  async (input, ctx) => {
    ctx.setTarget(`server:${input.serverId}`);
    const deleted = await deleteServer(ctx.db, input.serverId, input.confirmName);
    ctx.setDetails({ name: deleted.name, host: deleted.host });
    return { name: deleted.name };
  },
);

'use server';

import { z } from 'zod';
import { requestDeleteApp, requestRemoveServer } from '@/lib/apps/delete';
import { awaitDelete } from '@/lib/apps/delete-status';
import { authedAction } from '@/lib/auth/action';
import { singleLine } from '@/lib/model/text';
import { enqueue, getRuntime } from '@/lib/runtime';

const appId = z.uuid('Unknown app');
const WAIT_MS = 25_000;
/** A checkbox posts a hidden "off" and, when ticked, "on" too. */
const ticked = z
  .union([singleLine(10), z.array(singleLine(10)).max(4)])
  .optional()
  .transform((v) => (Array.isArray(v) ? v : [v]).includes('on'));

/**
 * Delete the app everywhere (admin; the typed slug must match). Queues a teardown per server and
 * waits a little for them (awaitDelete) to answer with what was removed. Again on a half-failed
 * delete: retries the servers that are left.
 */
export const deleteApp = authedAction(
  {
    audit: 'app.delete',
    role: 'admin',
    schema: z.object({ appId, confirmSlug: singleLine(40), deleteData: ticked }),
  },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const { app, queued, busy } = await requestDeleteApp(ctx.db, enqueue, {
      appId: input.appId,
      confirmSlug: input.confirmSlug,
      deleteData: input.deleteData,
      userId: ctx.user.id,
      dataDir: getRuntime().env.dataDir,
    });
    ctx.setDetails({ slug: app.slug, deleteData: app.deleteData, queued, ...(busy.length && { busy }) });
    // The teardowns usually end within seconds: the form then lists what went, in place.
    const status = await awaitDelete(ctx.db, app.id, WAIT_MS);
    return {
      status,
      ...(busy.length && {
        notice: `${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} busy with other work: press Delete again when ${busy.length === 1 ? 'it finishes' : 'they finish'}.`,
      }),
    };
  },
);

/** Take the app off one server: the same teardown, there only (admin). */
export const removeAppServer = authedAction(
  { audit: 'app.server.remove', role: 'admin', schema: z.object({ appId, serverId: z.uuid('Unknown server') }) },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const { serverName, queued } = await requestRemoveServer(ctx.db, enqueue, { ...input, userId: ctx.user.id });
    ctx.setDetails({ server: serverName, queued });
    return queued ? null : { notice: `${serverName} is busy with other work: remove it again when that finishes.` };
  },
);

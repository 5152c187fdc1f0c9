'use server';

import { z } from 'zod';
import { findApp } from '@/db/queries/apps';
import { pendingChanges } from '@/lib/apps/pending-changes';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { getRuntime } from '@/lib/runtime';

/**
 * "Check pending changes": what configure would write, diffed against each server, now.
 *
 * Role admin: it is the lowest role that may configure an app (configureApp, updateAppPool), and
 * the diff shows what only admins edit (the raw nginx snippet, worker and cron command lines).
 * It also opens SSH sessions to every server of the app, which deployers otherwise do only
 * through queued runs.
 *
 * Unlike other actions this one talks to the servers itself instead of queueing a job: it is
 * read-only, bounded (connect 10 s, read 15 s per server, servers in parallel), and its answer
 * is only useful while the user waits for it.
 */
export const checkPendingChanges = authedAction(
  { audit: 'app.pending', role: 'admin', schema: z.object({ appId: z.uuid('Unknown app') }) },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    const servers = await pendingChanges(ctx.db, getRuntime().keyRing, app);
    ctx.setDetails({
      servers: servers.map((s) =>
        s.ok ? { server: s.serverName, changed: s.files.filter((f) => f.status !== 'same').length } : { server: s.serverName, error: true },
      ),
    });
    return servers;
  },
);

'use server';

import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import { authedAction } from '@/lib/auth/action';
import { requestSnapshotRestore } from '@/lib/releases/snapshots';
import { enqueue } from '@/lib/runtime';

/**
 * Restores the app's database from a pre-migration snapshot: destructive, so admins only, and
 * the form must carry the app's slug typed by hand. The restore runs as a job (a server action
 * never opens SSH); its run and log appear on the release page.
 */
export const restoreSnapshot = authedAction(
  {
    audit: 'snapshot.restore',
    role: 'admin',
    schema: z.object({
      appId: z.uuid('Unknown app'),
      snapshotId: z.uuid('Unknown snapshot'),
      confirm: trimmedLine(64).min(1, 'Type the app’s slug to confirm'),
    }),
  },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const run = await requestSnapshotRestore(ctx.db, enqueue, {
      appId: input.appId,
      snapshotId: input.snapshotId,
      confirm: input.confirm,
      userId: ctx.user.id,
    });
    ctx.setDetails({ snapshot: input.snapshotId, run: run.id });
    return { runId: run.id };
  },
);

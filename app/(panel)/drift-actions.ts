'use server';

import { z } from 'zod';
import { dismissFinding, findFinding } from '@/db/queries/drift';
import { findServer } from '@/db/queries/servers';
import { ActionError, type ActionContext } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { detectDrift } from '@/lib/drift/detect';
import { revertFinding } from '@/lib/drift/revert';
import { enqueue, getRuntime } from '@/lib/runtime';

// Drift is admin work: its diffs show what only admins edit, and Revert configures or provisions.

/** "Check now": one server, read while the admin waits (bounded like "pending changes"). */
export const checkDriftNow = authedAction(
  { audit: 'drift.check', role: 'admin', schema: z.object({ serverId: z.uuid('Unknown server') }) },
  async (input, ctx) => {
    ctx.setTarget(`server:${input.serverId}`);
    const server = await findServer(ctx.db, input.serverId);
    if (!server) throw new ActionError('That server does not exist.');
    const [outcome] = await detectDrift(ctx.db, getRuntime().keyRing, [server]);
    if (!outcome) throw new ActionError(`${server.name} is not ready (pinned, provisioned, with its key): nothing to compare yet.`);
    ctx.setDetails({ outcome });
    if (outcome.state === 'failed') throw new ActionError(outcome.error);
    if (outcome.state === 'busy') return { notice: `${server.name} is running a job: check again when it ends.` };
    return { open: outcome.open };
  },
);

const findingInput = z.object({ findingId: z.uuid('Unknown finding') });

/** The finding, named in the audit row whatever happens next. */
async function findingFor(ctx: ActionContext, id: string) {
  const finding = await findFinding(ctx.db, id);
  if (!finding) throw new ActionError('That drift is gone: the server already matches.');
  ctx.setTarget(finding.appId ? `app:${finding.appId}` : `server:${finding.serverId}`);
  ctx.setDetails({ subject: finding.subject, change: finding.change });
  return finding;
}

export const revertDrift = authedAction({ audit: 'drift.revert', role: 'admin', schema: findingInput }, async (input, ctx) => {
  const finding = await findingFor(ctx, input.findingId);
  const outcome = await revertFinding(ctx.db, enqueue, finding, ctx.user.id);
  return outcome.busy.length ? { notice: `Busy, not queued: ${outcome.busy.join(', ')}. Revert again when they finish.` } : null;
});

export const dismissDrift = authedAction({ audit: 'drift.dismiss', role: 'admin', schema: findingInput }, async (input, ctx) => {
  const finding = await findingFor(ctx, input.findingId);
  await dismissFinding(ctx.db, finding.id, ctx.user.id);
  return null;
});

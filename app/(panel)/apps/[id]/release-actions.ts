'use server';

import { z } from 'zod';
import { singleLine } from '@/lib/model/text';
import { authedAction } from '@/lib/auth/action';
import { findRelease } from '@/db/queries/releases';
import { ActionError } from '@/lib/auth/action-core';
import { cancelRelease, requestDeploy, requestRollback } from '@/lib/releases/requests';
import { enqueue, getRuntime } from '@/lib/runtime';

const appId = z.uuid('Unknown app');

/** Deploy a branch or a sha (empty: the app's branch). Deployers may; the release runs as a job. */
export const deployApp = authedAction(
  {
    audit: 'release.deploy',
    role: 'deployer',
    schema: z.object({
      appId,
      ref: singleLine(100).default(''),
      redeploy: z.literal('1').optional(),
      canary: z.literal('on').optional(),
    }),
  },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const trigger = input.redeploy ? 'redeploy' : 'button';
    const canary = !!input.canary;
    const release = await requestDeploy(ctx.db, enqueue, { appId: input.appId, ref: input.ref, userId: ctx.user.id, trigger, canary });
    ctx.setDetails({ release: release.id, number: release.number, ref: release.ref, canary });
    return { id: release.id };
  },
);

const rollbackInput = z.object({ appId, targetId: z.uuid('Unknown release'), restoreEnv: z.literal('on').optional() });

export const rollbackApp = authedAction({ audit: 'release.rollback', role: 'deployer', schema: rollbackInput }, async (input, ctx) => {
  ctx.setTarget(`app:${input.appId}`);
  const restoreEnv = input.restoreEnv ? { ring: getRuntime().keyRing } : undefined;
  const release = await requestRollback(ctx.db, enqueue, { appId: input.appId, targetId: input.targetId, userId: ctx.user.id, restoreEnv });
  ctx.setDetails({ release: release.id, to: release.ref, restoresEnv: release.restoresEnv });
  return { id: release.id };
});

/** Stops a queued or running release: before the switch it stops and cleans up, after it rolls back. Audited, refusals too. */
export const cancelReleaseAction = authedAction(
  { audit: 'release.cancel', role: 'deployer', schema: z.object({ releaseId: z.uuid('Unknown release') }) },
  async (input, ctx) => {
    ctx.setTarget(`release:${input.releaseId}`);
    const release = await findRelease(ctx.db, input.releaseId);
    if (!release) throw new ActionError('That release does not exist.', undefined, 'not_found');
    const outcome = await cancelRelease(ctx.db, release, ctx.user.name);
    ctx.setDetails({ app: release.appId, outcome });
    return { outcome };
  },
);

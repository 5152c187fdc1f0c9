import { z } from 'zod';
import type { Release } from '@/db/schema';
import { cancelRelease, requestDeploy, requestRollback, rollbackTarget } from '@/lib/releases/requests';
import { loadLiveState } from '@/lib/releases/live-load';
import { enqueue, getRuntime } from '@/lib/runtime';
import { apiOperation } from '../endpoint';
import { appByRef, refInput, releaseById, releaseLinks } from '../lookup';

const queued = (release: Release) => ({
  id: release.id,
  number: release.number,
  kind: release.kind,
  ref: release.ref,
  status: release.status,
  links: releaseLinks(release),
});

export const deployOp = apiOperation({
  audit: 'release.deploy',
  role: 'deployer',
  status: 202,
  schema: z.object({ app: refInput, ref: z.string().max(100).default('') }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const release = await requestDeploy(ctx.db, enqueue, { appId: app.id, ref: input.ref, userId: ctx.user.id, trigger: 'button' });
    ctx.setDetails({ release: release.id, number: release.number, ref: release.ref });
    return queued(release);
  },
});

export const rollbackOp = apiOperation({
  audit: 'release.rollback',
  role: 'deployer',
  status: 202,
  schema: z.object({ app: refInput, to: z.number().int().min(1).optional(), restoreEnv: z.boolean().default(false) }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const target = await rollbackTarget(ctx.db, app.id, input.to);
    const restoreEnv = input.restoreEnv ? { ring: getRuntime().keyRing } : undefined;
    const release = await requestRollback(ctx.db, enqueue, { appId: app.id, targetId: target.id, userId: ctx.user.id, restoreEnv });
    ctx.setDetails({ release: release.id, to: release.ref, restoresEnv: release.restoresEnv });
    return queued(release);
  },
});

export const cancelOp = apiOperation({
  audit: 'release.cancel',
  role: 'deployer',
  schema: z.object({ id: refInput }),
  run: async (input, ctx) => {
    const release = await releaseById(ctx, input.id);
    await cancelRelease(ctx.db, release, ctx.user.name);
    return { id: release.id, status: 'failed' as const };
  },
});

/** The release with its runs and tasks, the shape its event stream starts from. */
export const releaseStatusOp = apiOperation({
  audit: 'api.release.read',
  role: 'viewer',
  schema: z.object({ id: refInput }),
  run: async (input, ctx) => {
    const release = await releaseById(ctx, input.id);
    return { ...(await loadLiveState(ctx.db, release.id))!, links: releaseLinks(release) };
  },
});

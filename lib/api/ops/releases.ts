import { z } from 'zod';
import { singleLine } from '@/lib/model/text';
import type { Release } from '@/db/schema';
import { cancelRelease, requestDeploy, requestRollback, rollbackTarget } from '@/lib/releases/requests';
import { loadLiveState } from '@/lib/releases/live-load';
import { rollbackTargets, type RollbackChoice } from '@/lib/releases/rollback-targets';
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
  // canary: one server first, through its gate and watch window, then the rest (deploy-flow.ts).
  schema: z.object({ app: refInput, ref: singleLine(100).default(''), canary: z.boolean().default(false) }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const release = await requestDeploy(ctx.db, enqueue, {
      appId: app.id,
      ref: input.ref,
      userId: ctx.user.id,
      trigger: 'button',
      canary: input.canary,
    });
    ctx.setDetails({ release: release.id, number: release.number, ref: release.ref, canary: input.canary });
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
    ctx.setDetails({
      release: release.id,
      to: release.ref,
      restoresEnv: release.restoresEnv,
      ...(release.warning && { warning: release.warning }),
    });
    return { ...queued(release), warning: release.warning };
  },
});

/** The rollback rule's answer as JSON: what is live, what `rollback` with no number picks, and every target. */
export function targetsView(choice: RollbackChoice) {
  const bad = (id: string) => choice.bad.get(id)?.reason ?? null;
  return {
    live: choice.live && { id: choice.live.id, number: choice.live.number, sha: choice.live.sha, bad: bad(choice.live.id) },
    previous: choice.previous?.release.number ?? null,
    targets: choice.targets.map((t) => ({
      id: t.release.id,
      number: t.release.number,
      sha: t.release.sha,
      subject: t.release.subject,
      finishedAt: t.release.finishedAt,
      pinned: t.release.pinned,
      older: t.older,
      bad: t.bad?.reason ?? null,
    })),
  };
}

/** What the app can roll back to: the same list the app page offers buttons for. */
export const rollbackTargetsOp = apiOperation({
  audit: 'api.rollback.targets',
  role: 'viewer',
  schema: z.object({ app: refInput }),
  run: async (input, ctx) => targetsView(await rollbackTargets(ctx.db, (await appByRef(ctx, input.app)).id)),
});

export const cancelOp = apiOperation({
  audit: 'release.cancel',
  role: 'deployer',
  schema: z.object({ id: refInput }),
  run: async (input, ctx) => {
    const release = await releaseById(ctx, input.id);
    // 'stopping': a running release stops within a second (before the switch) or rolls back (after it).
    const outcome = await cancelRelease(ctx.db, release, ctx.user.name);
    return { id: release.id, status: outcome === 'cancelled' ? ('cancelled' as const) : ('cancelling' as const) };
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

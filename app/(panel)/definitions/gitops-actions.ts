'use server';

import { z } from 'zod';
import { findOpsCommit, findOpsRepo } from '@/db/queries/ops-repos';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { opsKey } from '@/lib/gitops/push-hook';
import { connectOpsRepo, opsHookPath, opsRepoInput } from '@/lib/gitops/repo';
import { approveOpsCommit } from '@/lib/gitops/sync';
import { enqueue, getRuntime } from '@/lib/runtime';

/** Connects an ops repository; the webhook URL and secret come back once (CI or a git hook signs pushes with it). */
export const connectOpsRepoAction = authedAction({ audit: 'gitops.connect', role: 'admin', schema: opsRepoInput }, async (input, ctx) => {
  const { repo, secret } = await connectOpsRepo(ctx.db, getRuntime().keyRing, ctx.user, input);
  ctx.setTarget(`ops-repo:${repo.id}`);
  ctx.setDetails({ url: repo.url, branch: repo.branch, path: repo.path });
  return { url: `${getRuntime().env.publicUrl}${opsHookPath(repo.id)}`, secret };
});

/** "Sync now": the same job a push queues. */
export const syncOpsRepoAction = authedAction(
  { audit: 'gitops.sync-request', role: 'admin', schema: z.object({ repoId: z.uuid() }) },
  async (input, ctx) => {
    ctx.setTarget(`ops-repo:${input.repoId}`);
    if (!(await findOpsRepo(ctx.db, input.repoId))) throw new ActionError('That repository is not connected.');
    await enqueue({ kind: 'gitops-sync', repoId: input.repoId }, opsKey(input.repoId));
    return null;
  },
);

/** Applies the commit that waits for approval (its plan has destructive changes). */
export const approveOpsCommitAction = authedAction(
  { audit: 'gitops.approve', role: 'admin', schema: z.object({ commitId: z.uuid() }) },
  async (input, ctx) => {
    const commit = await findOpsCommit(ctx.db, input.commitId);
    if (!commit) throw new ActionError('No such commit.');
    ctx.setTarget(`ops-repo:${commit.repoId}`);
    ctx.setDetails({ sha: commit.sha });
    const runtime = getRuntime();
    await approveOpsCommit(ctx.db, runtime.keyRing, enqueue, runtime.env.dataDir, ctx.user, commit);
    return null;
  },
);

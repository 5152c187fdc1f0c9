'use server';

import { z } from 'zod';
import { findOpsCommit, findOpsRepo } from '@/db/queries/ops-repos';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { opsKey } from '@/lib/gitops/push-hook';
import { connectOpsRepo, opsHookPath, opsRepoInput } from '@/lib/gitops/repo';
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

/** Approves the commit that waits (its plan has destructive changes): applied by the repository's job, in turn. */
export const approveOpsCommitAction = authedAction(
  { audit: 'gitops.approve', role: 'admin', schema: z.object({ commitId: z.uuid() }) },
  async (input, ctx) => {
    const commit = await findOpsCommit(ctx.db, input.commitId);
    if (commit?.status !== 'waiting') throw new ActionError('Only a commit waiting for approval can be approved.');
    ctx.setTarget(`ops-repo:${commit.repoId}`);
    ctx.setDetails({ sha: commit.sha });
    await enqueue({ kind: 'gitops-approve', repoId: commit.repoId, commitId: commit.id, userId: ctx.user.id }, opsKey(commit.repoId));
    return null;
  },
);

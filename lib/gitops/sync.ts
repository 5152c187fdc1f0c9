import path from 'node:path';
import type { Db } from '@/db';
import { findCommitBySha, findOpsCommit, findOpsRepo, insertOpsCommit, supersedeWaiting, updateOpsCommit } from '@/db/queries/ops-repos';
import { findUserById } from '@/db/queries/users';
import type { OpsCommit, OpsRepo, User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { ActionError } from '@/lib/auth/action-core';
import { hasRole } from '@/lib/auth/roles';
import type { KeyRing } from '@/lib/crypto';
import { GitError, readCommitFile, resolveCommit, syncMirror } from '@/lib/releases/git-mirror';
import type { Enqueue } from '@/lib/servers/requests';
import { applyText, planText } from '@/lib/spec/definitions';

export const opsMirror = (dataDir: string, repoId: string) => path.join(dataDir, 'gitops', repoId);

type Finished = Pick<OpsCommit, 'status'> & Partial<Pick<OpsCommit, 'hash' | 'changes' | 'destructive' | 'error' | 'approvedBy'>>;

async function finish(db: Db, repo: OpsRepo, commit: OpsCommit, outcome: Finished): Promise<OpsCommit> {
  const patch = { ...outcome, finishedAt: outcome.status === 'waiting' ? null : new Date() };
  await updateOpsCommit(db, commit.id, patch);
  await recordAudit(db, {
    action: 'gitops.sync',
    actorEmail: 'gitops',
    target: `ops-repo:${repo.id}`,
    outcome: outcome.status === 'failed' ? 'failure' : 'success',
    reason: outcome.error ?? undefined,
    details: { sha: commit.sha, status: outcome.status, changes: outcome.changes ?? 0 },
  });
  return { ...commit, ...patch };
}

/** A user who may still apply (an active admin), or the error that says who may not. */
async function applier(db: Db, userId: number, refusal: string): Promise<User> {
  const user = await findUserById(db, userId);
  if (!user || user.disabledAt || !hasRole(user.role, 'admin')) throw new ActionError(refusal);
  return user;
}

/**
 * One sync (a job, queued per repository so pushes are handled in order): fetch, take the
 * branch's head, read the definition there, plan it. No problems and nothing destructive:
 * applied at once, through the same apply as the Definitions page. Destructive: it waits for an
 * admin's approval (and replaces any older commit that was waiting). Problems in the file, a
 * refused plan or a failed apply: the commit is recorded as failed and nothing changes.
 * A head already handled is left alone.
 */
export async function runOpsSync(db: Db, ring: KeyRing, enqueue: Enqueue, dataDir: string, repoId: string): Promise<OpsCommit | null> {
  const repo = await findOpsRepo(db, repoId);
  if (!repo) return null;
  const dir = opsMirror(dataDir, repo.id);
  let head: { sha: string; subject: string };
  try {
    await syncMirror(repo.url, dir);
    head = await resolveCommit(dir, repo.branch);
  } catch (err) {
    // No commit to pin it on: the audit trail (and the panel's log) keep it.
    await recordAudit(db, {
      action: 'gitops.sync',
      actorEmail: 'gitops',
      target: `ops-repo:${repo.id}`,
      outcome: 'failure',
      reason: (err as Error).message,
    });
    return null;
  }
  // A head already applied (or replaced) is done; one that failed, or waits on a plan the panel
  // has since moved past, is planned again (a retry after a busy apply lock, a re-enabled admin).
  const seen = await findCommitBySha(db, repo.id, head.sha);
  if (seen && (seen.status === 'applied' || seen.status === 'superseded')) return null;
  const commit =
    seen ?? (await insertOpsCommit(db, { repoId: repo.id, sha: head.sha, subject: head.subject.slice(0, 300), status: 'planned' }));
  await supersedeWaiting(db, repo.id, commit.id);
  try {
    const text = await readCommitFile(dir, head.sha, repo.path);
    const planned = await planText(db, ring, text);
    if (!planned.ok) {
      const error = planned.problems.map((p) => `${repo.path}:${p.line ?? '?'}: ${p.message}`).join('\n');
      return finish(db, repo, commit, { status: 'failed', error });
    }
    const { hash, changes } = planned.plan;
    const summary = { hash, changes: changes.length, destructive: changes.some((c) => c.destructive) };
    const refused = changes.filter((c) => c.refused);
    if (refused.length)
      return finish(db, repo, commit, {
        ...summary,
        status: 'failed',
        error: refused.map((c) => `${c.kind} ${c.key}: ${c.refused}`).join('\n'),
      });
    if (summary.destructive) return finish(db, repo, commit, { ...summary, status: 'waiting', error: null });
    await applyText(
      db,
      ring,
      enqueue,
      await applier(db, repo.actorId, 'The admin who connected this repository can no longer apply: connect it again as an admin.'),
      text,
      { hash, confirmDestructive: false },
    );
    return finish(db, repo, commit, { ...summary, status: 'applied', error: null });
  } catch (err) {
    if (err instanceof ActionError || err instanceof GitError) return finish(db, repo, commit, { status: 'failed', error: err.message });
    console.error(`berth: ops sync of ${repo.id} at ${head.sha} crashed:`, err);
    return finish(db, repo, commit, { status: 'failed', error: 'Internal error; the panel logged it.' });
  }
}

/**
 * An admin's approval of the commit that waits, run as the repository's job (queued behind any
 * sync, so a newer push can never be overtaken): it applies the definition as planned if the
 * commit still waits and the approver may still apply. A panel changed since the plan refuses
 * it and the commit keeps waiting, with the reason; "Sync now" plans it again.
 */
export async function approveOpsCommit(
  db: Db,
  ring: KeyRing,
  enqueue: Enqueue,
  dataDir: string,
  commitId: string,
  userId: number,
): Promise<OpsCommit> {
  const commit = await findOpsCommit(db, commitId);
  const repo = commit && (await findOpsRepo(db, commit.repoId));
  if (!commit || !repo || commit.status !== 'waiting' || !commit.hash)
    throw new ActionError('Only the commit waiting for approval can be applied.', undefined, 'conflict');
  const user = await applier(db, userId, 'The approver can no longer apply.');
  try {
    const text = await readCommitFile(opsMirror(dataDir, repo.id), commit.sha, repo.path);
    await applyText(db, ring, enqueue, user, text, { hash: commit.hash, confirmDestructive: true });
  } catch (err) {
    if (!(err instanceof ActionError || err instanceof GitError)) throw err;
    await finish(db, repo, commit, { status: 'waiting', error: `Approval by ${user.name} not applied: ${err.message}` });
    throw err;
  }
  return finish(db, repo, commit, { status: 'applied', approvedBy: user.id, error: null });
}

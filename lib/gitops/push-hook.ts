import { z } from 'zod';
import { singleLine } from '@/lib/model/text';
import type { Db } from '@/db';
import { claimOpsDelivery, findOpsRepo, pruneOpsDeliveries, unclaimOpsDelivery } from '@/db/queries/ops-repos';
import { recordAudit } from '@/lib/audit/record';
import { SealError, type KeyRing } from '@/lib/crypto';
import { staleBy, verifySignature, WINDOW_SECONDS } from '@/lib/releases/webhook';
import type { Enqueue } from '@/lib/servers/requests';
import { openOpsSecret } from './repo';

export const opsKey = (repoId: string) => `gitops:${repoId}`;
const KEEP_MS = 3 * WINDOW_SECONDS * 1000;
const pushBody = z.object({ timestamp: z.number().int().positive(), after: singleLine(100).optional() });

export type PushDeps = { db: Db; ring: KeyRing; enqueue: Enqueue; ip: string | null; now?: () => Date };
export type PushAnswer = { status: number; body: { queued: true } | { error: string } };

/**
 * A push notification for an ops repository, signed like the deploy webhook
 * (X-Hub-Signature-256 over the raw body, whose `timestamp` must be within 5 minutes; each
 * signed body is accepted once). It only queues a sync: the job fetches the branch and takes
 * its head, so what is applied is what the repository holds, whatever the body claims. Syncs of
 * one repository run one at a time, in the order pushes arrived.
 */
export async function receivePush(deps: PushDeps, repoId: string, body: Buffer | null, signature: string | null): Promise<PushAnswer> {
  const { db } = deps;
  const repo = z.uuid().safeParse(repoId).success ? await findOpsRepo(db, repoId) : undefined;
  const answer = async (status: number, error: string | null, reason?: string): Promise<PushAnswer> => {
    const outcome = status === 202 ? 'success' : status === 401 || status === 404 ? 'denied' : 'failure';
    await recordAudit(db, {
      action: 'gitops.push',
      actorEmail: 'webhook',
      target: `ops-repo:${repoId.slice(0, 64)}`,
      outcome,
      reason,
      ip: deps.ip,
    });
    return { status, body: error === null ? { queued: true } : { error } };
  };
  if (!repo) return answer(404, 'No ops repository at this address.', 'unknown repository');
  if (!body) return answer(413, 'The body is too large.', 'body too large');
  let secret: string;
  try {
    secret = openOpsSecret(deps.ring, repo);
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    return answer(500, 'The secret cannot be opened with the panel’s keys: connect the repository again.', 'secret unreadable');
  }
  const expected = verifySignature(secret, body, signature);
  if (!expected)
    return answer(401, 'Missing or wrong X-Hub-Signature-256 for this body.', signature ? 'bad signature' : 'missing signature');
  let parsed: z.infer<typeof pushBody>;
  try {
    parsed = pushBody.parse(JSON.parse(body.toString('utf8')));
  } catch {
    return answer(400, 'The body must be JSON with "timestamp" (unix seconds).', 'invalid body');
  }
  const now = (deps.now ?? (() => new Date()))();
  const skew = staleBy(parsed.timestamp, now);
  if (skew !== null) return answer(401, `The timestamp is ${skew} s away from the panel’s clock.`, 'stale timestamp');
  await pruneOpsDeliveries(db, repo.id, new Date(now.getTime() - KEEP_MS));
  if (!(await claimOpsDelivery(db, repo.id, expected))) return answer(409, 'This delivery was already accepted.', 'replayed delivery');
  try {
    await deps.enqueue({ kind: 'gitops-sync', repoId: repo.id }, opsKey(repo.id));
  } catch (err) {
    // Not accepted, so not a replay when sent again.
    await unclaimOpsDelivery(db, repo.id, expected);
    console.error('berth: queueing an ops sync failed:', err);
    return answer(503, 'The sync could not be queued; send the push again.', 'enqueue failed');
  }
  return answer(202, null);
}

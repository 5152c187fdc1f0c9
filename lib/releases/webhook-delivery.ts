import { z } from 'zod';
import type { Db } from '@/db';
import { findApp, findAppBySlug } from '@/db/queries/apps';
import { attachDeliveryRelease, claimDelivery, findWebhook, pruneDeliveries, unclaimDelivery } from '@/db/queries/webhooks';
import type { App } from '@/db/schema';
import { slugInput } from '@/lib/model/app-fields';
import { recordAudit } from '@/lib/audit/record';
import { ActionError, type FieldErrors } from '@/lib/auth/action-core';
import { SealError, type KeyRing } from '@/lib/crypto';
import type { Enqueue } from '@/lib/servers/requests';
import { requestDeploy } from './requests';
import { MAX_BODY_BYTES, WINDOW_SECONDS, openWebhookSecret, parseDelivery, staleBy, verifySignature } from './webhook';

export type DeliveryDeps = { db: Db; ring: KeyRing; enqueue: Enqueue; publicUrl: string; ip: string | null; now?: () => Date };
export type DeliveryAnswer = { status: number; body: { release: string; url: string } | { error: string; problems?: FieldErrors } };

export const REPLAYED = 'This delivery was already accepted';
// Unknown app and app without a webhook answer alike: the URL reveals nothing about which apps exist.
const NOT_FOUND = 'No deploy webhook at this address.';
/** Accepted deliveries are kept this long: a body is valid at most 2 × the window after it arrives. */
const KEEP_MS = 3 * WINDOW_SECONDS * 1000;

async function resolveApp(db: Db, key: string): Promise<App | undefined> {
  if (z.uuid().safeParse(key).success) return findApp(db, key);
  return slugInput.safeParse(key).success ? findAppBySlug(db, key) : undefined;
}

/**
 * One CI delivery, checked in the order that leaks least: the app and its secret, the body's size,
 * the signature (nothing is parsed for an unsigned caller), the body, its clock window, the replay
 * guard, then the release. Every answer, accepted or refused, leaves an audit row with the reason;
 * never the secret or the signature.
 */
export async function receiveDelivery(
  deps: DeliveryDeps,
  appKey: string,
  body: Buffer | null,
  signature: string | null,
): Promise<DeliveryAnswer> {
  const { db } = deps;
  const app = await resolveApp(db, appKey);
  const target = app ? `app:${app.id}` : `app:${appKey.slice(0, 64)}`;
  let details: Record<string, unknown> | undefined;
  const answer = async (status: number, error: string, reason: string, problems?: FieldErrors): Promise<DeliveryAnswer> => {
    const outcome = status === 401 || status === 404 ? 'denied' : 'failure';
    await recordAudit(db, { action: 'release.webhook', actorEmail: 'webhook', target, outcome, reason, ip: deps.ip, details });
    return { status, body: problems ? { error, problems } : { error } };
  };

  const hook = app && (await findWebhook(db, app.id));
  if (!app || !hook) return answer(404, NOT_FOUND, app ? 'no webhook secret' : 'unknown app');
  if (!body) return answer(413, `The body is larger than ${MAX_BODY_BYTES / 1024} KB.`, 'body too large');
  if (!signature)
    return answer(
      401,
      'Missing X-Hub-Signature-256: send sha256=<hex HMAC-SHA256 of the raw body with the webhook secret>.',
      'missing signature',
    );
  let secret: string;
  try {
    secret = openWebhookSecret(deps.ring, app.id, hook.sealedSecret);
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    return answer(
      500,
      'The webhook secret cannot be opened with the panel’s keys: rotate it on the app page.',
      `secret unreadable (${err.reason})`,
    );
  }
  const expected = verifySignature(secret, body, signature);
  if (!expected)
    return answer(
      401,
      'The X-Hub-Signature-256 signature does not match this body: sign the exact bytes sent, with the current secret.',
      'bad signature',
    );

  const parsed = parseDelivery(body.toString('utf8'));
  if (!parsed.ok) return answer(400, 'The body is not a valid delivery.', 'invalid body', parsed.problems);
  const { delivery } = parsed;
  details = { ref: delivery.ref, ...(delivery.id !== undefined && { delivery: delivery.id }) };
  const now = (deps.now ?? (() => new Date()))();
  const skew = staleBy(delivery.timestamp, now);
  if (skew !== null) {
    return answer(
      401,
      `The timestamp is ${skew} s away from the panel's clock; a delivery must be signed within ${WINDOW_SECONDS / 60} minutes of now (unix seconds; check the sender's clock).`,
      'stale timestamp',
    );
  }
  if (!app.config.repository) return answer(422, 'Set the app’s repository in its settings first.', 'no repository');

  await pruneDeliveries(db, app.id, new Date(now.getTime() - KEEP_MS));
  if (!(await claimDelivery(db, app.id, expected))) return answer(409, REPLAYED, 'replayed delivery');
  let releaseId: string;
  try {
    releaseId = (await requestDeploy(db, deps.enqueue, { appId: app.id, ref: delivery.ref, userId: null, trigger: 'webhook' })).id;
  } catch (err) {
    // Not accepted, so not a replay if sent again: the claim is given back for CI to retry.
    await unclaimDelivery(db, app.id, expected);
    if (!(err instanceof ActionError)) {
      await recordAudit(db, {
        action: 'release.webhook',
        actorEmail: 'webhook',
        target,
        outcome: 'failure',
        reason: 'internal error',
        ip: deps.ip,
        details,
      });
      throw err;
    }
    // Field errors mean the request itself cannot deploy; without them it is the app's lock, named in the message.
    return answer(err.fieldErrors ? 422 : 409, err.message, err.message, err.fieldErrors);
  }
  await attachDeliveryRelease(db, app.id, expected, releaseId);
  details = { ...details, release: releaseId };
  await recordAudit(db, { action: 'release.webhook', actorEmail: 'webhook', target, outcome: 'success', ip: deps.ip, details });
  return { status: 202, body: { release: releaseId, url: `${deps.publicUrl}/apps/${app.id}/releases/${releaseId}` } };
}

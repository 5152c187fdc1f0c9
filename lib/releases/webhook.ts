import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { singleLine } from '@/lib/model/text';
import { branchInput } from '@/lib/model/app-fields';
import { fieldErrorsOf, type FieldErrors } from '@/lib/auth/action-core';
import { webhookSecretAad } from '@/db/sealed-aad';
import { open, seal, type KeyRing } from '@/lib/crypto';

/**
 * A deploy webhook for CI, signed the way GitHub signs its deliveries:
 *   X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>
 * Body: {"branch":"main","timestamp":<unix seconds>} or {"sha":"<7-40 hex>","timestamp":…}, optional "id".
 * The timestamp bounds replays: outside the window the delivery is refused, inside it the
 * signature is remembered (webhook_deliveries), so each signed body deploys at most once.
 */
export const MAX_BODY_BYTES = 64 * 1024;
export const WINDOW_SECONDS = 300;
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** 32 random bytes, base64url: typed into CI settings, so no characters that need quoting. */
export const generateWebhookSecret = () => randomBytes(32).toString('base64url');
export const sealWebhookSecret = (ring: KeyRing, appId: string, secret: string) => seal(ring, secret, webhookSecretAad(appId));
export const openWebhookSecret = (ring: KeyRing, appId: string, sealed: string) => open(ring, sealed, webhookSecretAad(appId));

export const webhookPath = (appId: string) => `/api/apps/${appId}/deploy`;

export function signBody(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The expected signature when the header carries it, else null. Compared in constant time on the
 * digest bytes; the caller stores the computed (lower-case) value, so re-casing the hex of an
 * accepted delivery does not make it a new one.
 */
export function verifySignature(secret: string, body: Uint8Array, header: string | null): string | null {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) return null;
  const expected = signBody(secret, body);
  const given = Buffer.from(match[1]!, 'hex');
  return timingSafeEqual(given, Buffer.from(expected.slice(7), 'hex')) ? expected : null;
}

/** Seconds between the delivery's timestamp and now when outside the window, else null. */
export function staleBy(timestamp: number, now: Date): number | null {
  const skew = Math.round(Math.abs(now.getTime() / 1000 - timestamp));
  return skew > WINDOW_SECONDS ? skew : null;
}

const deliveryInput = z.object({
  branch: branchInput.unwrap().optional(),
  sha: singleLine(40)
    .regex(/^[0-9a-fA-F]{7,40}$/, 'A sha is 7 to 40 hex digits')
    .transform((s) => s.toLowerCase())
    .optional(),
  timestamp: z
    .number('Send "timestamp" as a number: unix time in seconds')
    .int('The timestamp is whole unix seconds')
    .positive('The timestamp is unix seconds'),
  id: singleLine(200).optional(),
});

export type Delivery = { ref: string; timestamp: number; id?: string };
export type ParsedDelivery = { ok: true; delivery: Delivery } | { ok: false; problems: FieldErrors };

/** Every problem at once, so CI output shows the whole fix. */
export function parseDelivery(text: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problems: { _body: ['The body is not JSON'] } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, problems: { _body: ['The body must be a JSON object'] } };
  const parsed = deliveryInput.safeParse(json);
  const problems: FieldErrors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  const given = json as Record<string, unknown>;
  if (given.branch === undefined && given.sha === undefined) problems.ref = ['Send "branch" or "sha"'];
  if (given.branch !== undefined && given.sha !== undefined) problems.ref = ['Send "branch" or "sha", not both'];
  if (!parsed.success || Object.keys(problems).length > 0) return { ok: false, problems };
  const { branch, sha, timestamp, id } = parsed.data;
  return { ok: true, delivery: { ref: (sha ?? branch)!, timestamp, ...(id !== undefined && { id }) } };
}

/**
 * Reads at most `limit` bytes of a request body, before anything hashes or parses it; null when
 * it is larger. Counting while reading also covers chunked bodies that declare no length.
 */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * What the app page shows CI authors: sign the exact bytes sent (printf, not echo, which adds a
 * newline) with openssl, the way GitHub does. The secret comes from a CI variable, not the text.
 */
export function webhookExample(url: string, branch: string): string {
  const q = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`; // display text for a shell, still quoted right
  return [
    `BODY=$(printf '{"branch":"%s","timestamp":%s}' ${q(branch)} "$(date +%s)")`,
    `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$BERTH_WEBHOOK_SECRET" | sed 's/^.*= //')`,
    `curl -sS --fail-with-body -X POST ${q(url)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-Hub-Signature-256: sha256=$SIG" \\`,
    `  --data-binary "$BODY"`,
  ].join('\n');
}

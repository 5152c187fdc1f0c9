import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './keyring';

/**
 * Sealed value format:
 *
 *   berth:v1:<keyVersion>:<base64url(nonce | ciphertext | tag)>
 *
 * - `berth:v1` is the format version, so the layout can change later without
 *   guessing what an old value is.
 * - `keyVersion` names the BERTH_MASTER_KEY entry that sealed it (rotation).
 * - AES-256-GCM, 12-byte random nonce per value, 16-byte tag.
 * - The AAD is the row identity (e.g. "servers:42:privateKey"). It is not
 *   stored: it binds the value to its row, so a ciphertext copied into another
 *   row or column fails to open instead of silently decrypting there.
 */
const PREFIX = 'berth:v1:';
const FORMAT = /^berth:v1:([1-9]\d{0,8}):([A-Za-z0-9_-]+)$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export type SealErrorReason = 'format' | 'unknown-key' | 'auth';

/** Raised when a sealed value cannot be opened. Never carries plaintext or key material. */
export class SealError extends Error {
  override name = 'SealError';
  constructor(
    message: string,
    readonly reason: SealErrorReason,
  ) {
    super(message);
  }
}

export function seal(ring: KeyRing, plaintext: string, aad: string): string {
  const key = ring.keys.get(ring.current);
  if (!key) throw new SealError(`current key v${ring.current} is missing from the key ring`, 'unknown-key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([nonce, body, cipher.getAuthTag()]);
  return `${PREFIX}${ring.current}:${payload.toString('base64url')}`;
}

export function open(ring: KeyRing, sealed: string, aad: string): string {
  const { version, payload } = parse(sealed);
  const key = ring.keys.get(version);
  if (!key) {
    throw new SealError(`sealed with key v${version}, which is not in BERTH_MASTER_KEY`, 'unknown-key');
  }
  const nonce = payload.subarray(0, NONCE_BYTES);
  const body = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
  const tag = payload.subarray(payload.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell these apart, so name all three rather than guess.
    throw new SealError('sealed value does not open: wrong key, tampered value, or a value moved from another row', 'auth');
  }
}

/** True when the value is in the sealed format (it may still fail to open). */
export function isSealed(value: string): boolean {
  return FORMAT.test(value);
}

/** True when the value was sealed with a key other than the ring's current one. */
export function needsReseal(ring: KeyRing, sealed: string): boolean {
  return parse(sealed).version !== ring.current;
}

/** The BERTH_MASTER_KEY version that sealed the value (throws SealError on an unknown format). */
export function sealedKeyVersion(sealed: string): number {
  return parse(sealed).version;
}

/**
 * Re-encrypts with the current key for rotation. Values already on the current
 * key come back unchanged so a rotation pass only rewrites rows it must.
 */
export function reseal(ring: KeyRing, sealed: string, aad: string): string {
  if (!needsReseal(ring, sealed)) return sealed;
  return seal(ring, open(ring, sealed, aad), aad);
}

function parse(sealed: string): { version: number; payload: Buffer } {
  const [, version, encoded] = FORMAT.exec(sealed) ?? [];
  const payload = encoded ? Buffer.from(encoded, 'base64url') : undefined;
  if (!version || !payload || payload.length < NONCE_BYTES + TAG_BYTES) {
    throw new SealError('not a sealed value: unknown format', 'format');
  }
  return { version: Number(version), payload };
}

import { randomBytes } from 'node:crypto';

/**
 * The master key ring, parsed from BERTH_MASTER_KEY.
 *
 * Several versions can be present at once so keys can be rotated without a
 * flag day: new values are sealed with `current` (the highest version) while
 * values sealed with older versions still open until they are resealed.
 */
export type KeyRing = { current: number; keys: Map<number, Buffer> };

/** Raised for a BERTH_MASTER_KEY that cannot be used. Messages never echo key material. */
export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

export const KEY_BYTES = 32;

// Versions are capped so they survive the round trip through the sealed text
// format as a plain decimal number.
const VERSIONED = /^v([1-9]\d{0,8}):(.*)$/s;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `v1:<base64>,v2:<base64>` (highest version is current). A bare
 * base64 key is accepted as v1 so a single-key install never needs the prefix,
 * and so `<bare>,v2:<new>` is a natural first rotation.
 */
export function parseKeyRing(text: string): KeyRing {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new KeyRingError('BERTH_MASTER_KEY is empty: set it to a 32-byte base64 key (e.g. "v1:<base64>")');
  }

  const keys = new Map<number, Buffer>();
  trimmed.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const where = `BERTH_MASTER_KEY entry ${index + 1}`;
    if (entry === '') throw new KeyRingError(`${where} is empty (stray comma?)`);

    let version = 1;
    let encoded = entry;
    const match = VERSIONED.exec(entry);
    if (match) {
      version = Number(match[1]);
      encoded = (match[2] ?? '').trim();
    } else if (entry.includes(':')) {
      // Don't echo the entry: whatever follows the colon is probably a key.
      throw new KeyRingError(`${where} is malformed: expected "v<N>:<base64>" with N a positive integer`);
    }

    const label = match ? `${where} (v${version})` : where;
    if (!BASE64.test(encoded) || encoded.replace(/=+$/, '').length % 4 === 1) {
      throw new KeyRingError(`${label} is not valid base64`);
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new KeyRingError(`${label} must decode to ${KEY_BYTES} bytes, got ${key.length}`);
    }
    if (keys.has(version)) {
      throw new KeyRingError(`${label} duplicates key version v${version}`);
    }
    keys.set(version, key);
  });

  return { current: Math.max(...keys.keys()), keys };
}

/** A fresh key entry for BERTH_MASTER_KEY, e.g. for the install script or rotation. */
export function generateKeyText(version = 1): string {
  if (!Number.isInteger(version) || version < 1 || version > 999_999_999) {
    throw new KeyRingError(`key version must be an integer from 1 to 999999999, got ${version}`);
  }
  return `v${version}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

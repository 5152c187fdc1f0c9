import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyText, KeyRingError, parseKeyRing } from './keyring';
import { makeKeyCheck, verifyKeyCheck } from './key-check';

const b64 = (n: number) => randomBytes(n).toString('base64');

function parseError(text: string): KeyRingError {
  try {
    parseKeyRing(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyRingError);
    return error as KeyRingError;
  }
  throw new Error('expected parseKeyRing to throw');
}

describe('parseKeyRing', () => {
  it('parses versioned entries and makes the highest version current', () => {
    const k1 = b64(32);
    const k3 = b64(32);
    const ring = parseKeyRing(` v3:${k3} , v1:${k1}\n`);
    expect(ring.current).toBe(3);
    expect([...ring.keys.keys()].sort()).toEqual([1, 3]);
    expect(ring.keys.get(1)).toEqual(Buffer.from(k1, 'base64'));
    expect(ring.keys.get(3)).toEqual(Buffer.from(k3, 'base64'));
  });

  it('accepts a bare key as v1, alone or next to newer entries', () => {
    const bare = b64(32);
    expect(parseKeyRing(bare)).toEqual({ current: 1, keys: new Map([[1, Buffer.from(bare, 'base64')]]) });
    const ring = parseKeyRing(`${bare},v2:${b64(32)}`);
    expect(ring.current).toBe(2);
    expect(ring.keys.get(1)).toEqual(Buffer.from(bare, 'base64'));
  });

  it('accepts unpadded base64', () => {
    const key = b64(32).replace(/=+$/, '');
    expect(parseKeyRing(`v1:${key}`).keys.get(1)?.length).toBe(32);
  });

  it.each([
    ['empty', '', /is empty/],
    ['whitespace only', '  \n', /is empty/],
    ['stray comma', `v1:${b64(32)},`, /entry 2 is empty/],
    ['bad prefix', `x1:${b64(32)}`, /entry 1 is malformed/],
    ['version zero', `v0:${b64(32)}`, /entry 1 is malformed/],
    ['non-numeric version', `vX:${b64(32)}`, /entry 1 is malformed/],
    ['bad base64', `v1:${b64(32).slice(0, 20)}!!${b64(32).slice(22)}`, /entry 1 \(v1\) is not valid base64/],
    ['bad bare base64', 'not base64 at all', /entry 1 is not valid base64/],
    ['missing key', 'v1:', /entry 1 \(v1\) is not valid base64/],
    ['short key', `v1:${b64(16)}`, /entry 1 \(v1\) must decode to 32 bytes, got 16/],
    ['long key', `v2:${b64(64)}`, /entry 1 \(v2\) must decode to 32 bytes, got 64/],
    ['short bare key', b64(31), /entry 1 must decode to 32 bytes, got 31/],
    ['duplicate version', `v1:${b64(32)},v1:${b64(32)}`, /entry 2 \(v1\) duplicates key version v1/],
    ['bare key duplicates v1', `${b64(32)},v1:${b64(32)}`, /entry 2 \(v1\) duplicates key version v1/],
  ])('rejects %s', (_case, text, message) => {
    const error = parseError(text);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/BERTH_MASTER_KEY/);
  });

  it('never puts key material in error messages', () => {
    const secrets = [b64(32), b64(16), b64(64)] as const;
    const inputs = [
      `x1:${secrets[0]}`,
      `v1:${secrets[1]}`,
      `v1:${secrets[2]}`,
      `v1:${secrets[0]},v1:${secrets[0]}`,
      `v1:${secrets[0].slice(0, 10)}#${secrets[0].slice(11)}`,
    ];
    for (const input of inputs) {
      const { message } = parseError(input);
      for (const secret of secrets) {
        // Any 8-character run of the key is too much to leak.
        for (let i = 0; i + 8 <= secret.length; i++) {
          expect(message).not.toContain(secret.slice(i, i + 8));
        }
      }
    }
  });
});

describe('generateKeyText', () => {
  it('produces a parseable, random 32-byte key', () => {
    const a = generateKeyText();
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]{43}=$/);
    expect(parseKeyRing(a).keys.get(1)?.length).toBe(32);
    expect(generateKeyText()).not.toBe(a);
  });

  it('uses the requested version and rejects nonsense', () => {
    expect(parseKeyRing(generateKeyText(7)).current).toBe(7);
    expect(() => generateKeyText(0)).toThrow(KeyRingError);
    expect(() => generateKeyText(1.5)).toThrow(KeyRingError);
  });
});

describe('key check', () => {
  const v1 = generateKeyText(1);
  const v2 = generateKeyText(2);

  it('passes with the key that made it', () => {
    const ring = parseKeyRing(v1);
    expect(() => verifyKeyCheck(ring, makeKeyCheck(ring))).not.toThrow();
  });

  it('passes after rotation while the old key is still in the ring', () => {
    const check = makeKeyCheck(parseKeyRing(v1));
    expect(() => verifyKeyCheck(parseKeyRing(`${v1},${v2}`), check)).not.toThrow();
  });

  it('fails on a wrong key', () => {
    const check = makeKeyCheck(parseKeyRing(v1));
    const wrong = parseKeyRing(generateKeyText(1));
    expect(() => verifyKeyCheck(wrong, check)).toThrow(KeyRingError);
    expect(() => verifyKeyCheck(wrong, check)).toThrow("BERTH_MASTER_KEY does not open this database's data: wrong key?");
  });

  it('fails when the check was sealed with a version no longer in the ring', () => {
    const check = makeKeyCheck(parseKeyRing(v1));
    expect(() => verifyKeyCheck(parseKeyRing(v2), check)).toThrow(
      /does not open this database's data: wrong key\? \(key check was sealed with key v1, which is not in BERTH_MASTER_KEY\)/,
    );
  });

  it('fails on a corrupt stored check', () => {
    const ring = parseKeyRing(v1);
    expect(() => verifyKeyCheck(ring, 'garbage')).toThrow(KeyRingError);
  });
});

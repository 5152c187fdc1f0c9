import { describe, expect, it } from 'vitest';
import { generateKeyText, parseKeyRing } from './keyring';
import { isSealed, needsReseal, open, reseal, seal, SealError } from './seal';

const v1 = generateKeyText(1);
const v2 = generateKeyText(2);
const ring1 = parseKeyRing(v1);
const ring12 = parseKeyRing(`${v1},${v2}`);
const AAD = 'servers:42:privateKey';

function openError(ring: typeof ring1, sealed: string, aad: string): SealError {
  try {
    open(ring, sealed, aad);
  } catch (error) {
    expect(error).toBeInstanceOf(SealError);
    return error as SealError;
  }
  throw new Error('expected open to throw');
}

/** The base64url payload after the last colon. */
const body = (sealed: string) => sealed.slice(sealed.lastIndexOf(':') + 1);

/** Flips one bit of the decoded payload and re-encodes it. */
function tamper(sealed: string, index: number): string {
  const payload = Buffer.from(body(sealed), 'base64url');
  payload.writeUInt8(payload.readUInt8(index) ^ 0x01, index);
  return sealed.slice(0, sealed.length - body(sealed).length) + payload.toString('base64url');
}

describe('seal/open', () => {
  it.each([
    ['ascii', 'hunter2'],
    ['empty string', ''],
    ['unicode', 'pässwörd 🔑 密码 \u0000 end'],
    ['multi-line key', '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n'],
    ['long value', 'x'.repeat(100_000)],
  ])('round-trips %s', (_case, plaintext) => {
    const sealed = seal(ring1, plaintext, AAD);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(plaintext || '\u{1}');
    expect(open(ring1, sealed, AAD)).toBe(plaintext);
  });

  it('uses the documented format with the current key version', () => {
    expect(seal(ring1, 'x', AAD)).toMatch(/^berth:v1:1:[A-Za-z0-9_-]+$/);
    expect(seal(ring12, 'x', AAD)).toMatch(/^berth:v1:2:[A-Za-z0-9_-]+$/);
    // 12-byte nonce + 0-byte ciphertext + 16-byte tag
    const empty = body(seal(ring1, '', AAD));
    expect(Buffer.from(empty, 'base64url').length).toBe(28);
  });

  it('uses a fresh nonce for every seal', () => {
    const a = seal(ring1, 'same value', AAD);
    const b = seal(ring1, 'same value', AAD);
    expect(a).not.toBe(b);
    expect(body(a).slice(0, 16)).not.toBe(body(b).slice(0, 16));
  });

  it('fails when any byte of the payload is tampered', () => {
    const sealed = seal(ring1, 'secret value', AAD);
    const length = Buffer.from(body(sealed), 'base64url').length;
    for (let i = 0; i < length; i++) {
      const error = openError(ring1, tamper(sealed, i), AAD);
      expect(error.reason).toBe('auth');
      expect(error.message).toBe('sealed value does not open: wrong key, tampered value, or a value moved from another row');
    }
  });

  it('fails when the value is moved to another row or column', () => {
    const sealed = seal(ring1, 'secret value', AAD);
    for (const aad of ['servers:43:privateKey', 'servers:42:password', '', 'servers:42:privateKey ']) {
      expect(openError(ring1, sealed, aad).reason).toBe('auth');
    }
  });

  it('fails with a wrong key of the same version', () => {
    const sealed = seal(ring1, 'secret value', AAD);
    const other = parseKeyRing(generateKeyText(1));
    expect(openError(other, sealed, AAD).reason).toBe('auth');
  });

  it('fails with a clear message when the key version is not in the ring', () => {
    const sealed = seal(ring12, 'secret value', AAD);
    const error = openError(ring1, sealed, AAD);
    expect(error.reason).toBe('unknown-key');
    expect(error.message).toBe('sealed with key v2, which is not in BERTH_MASTER_KEY');
  });

  it.each([
    ['plaintext', 'hunter2'],
    ['empty', ''],
    ['other format version', 'berth:v2:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['version zero', 'berth:v0:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['key version zero', 'berth:v1:0:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['standard base64 chars', 'berth:v1:1:AAAA+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['payload too short', 'berth:v1:1:AAAAAAAAAAAAAAAA'],
    ['trailing junk', `${'berth:v1:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'}:x`],
  ])('rejects %s as unknown format', (_case, value) => {
    const error = openError(ring1, value, AAD);
    expect(error.reason).toBe('format');
    expect(error.message).toBe('not a sealed value: unknown format');
  });

  it('never puts plaintext, key material or the sealed payload in error messages', () => {
    const plaintext = 'correct horse battery staple';
    const sealed = seal(ring12, plaintext, AAD);
    const keyTexts = [v1, v2].map((entry) => entry.slice(3));
    const messages = [
      openError(ring1, sealed, AAD).message,
      openError(ring12, sealed, 'servers:1:other').message,
      openError(parseKeyRing(`${generateKeyText(1)},${generateKeyText(2)}`), sealed, AAD).message,
      openError(ring12, tamper(sealed, 20), AAD).message,
      openError(ring12, plaintext, AAD).message,
    ];
    for (const message of messages) {
      expect(message).not.toContain(plaintext);
      expect(message).not.toContain(body(sealed).slice(0, 12));
      for (const key of keyTexts) expect(message).not.toContain(key.slice(0, 12));
    }
  });
});

describe('isSealed', () => {
  it('recognises only the sealed format', () => {
    expect(isSealed(seal(ring1, 'x', AAD))).toBe(true);
    expect(isSealed('hunter2')).toBe(false);
    expect(isSealed('')).toBe(false);
    expect(isSealed('berth:v1:1:')).toBe(false);
    expect(isSealed('berth:v9:1:AAAA')).toBe(false);
  });
});

describe('rotation', () => {
  it('opens old values with the extended ring and reseals them to the current key', () => {
    const old = seal(ring1, 'rotate me', AAD);
    expect(needsReseal(ring1, old)).toBe(false);
    expect(open(ring12, old, AAD)).toBe('rotate me');
    expect(needsReseal(ring12, old)).toBe(true);

    const fresh = reseal(ring12, old, AAD);
    expect(fresh).toMatch(/^berth:v1:2:/);
    expect(needsReseal(ring12, fresh)).toBe(false);
    expect(open(ring12, fresh, AAD)).toBe('rotate me');
    // Once resealed, v1 can be dropped from the ring.
    expect(open(parseKeyRing(v2), fresh, AAD)).toBe('rotate me');
  });

  it('leaves values already on the current key untouched', () => {
    const current = seal(ring12, 'x', AAD);
    expect(reseal(ring12, current, AAD)).toBe(current);
  });

  it('refuses to reseal a value that does not open in its row', () => {
    const old = seal(ring1, 'x', AAD);
    expect(() => reseal(ring12, old, 'servers:7:privateKey')).toThrow(SealError);
  });

  it('rejects malformed values instead of guessing', () => {
    expect(() => needsReseal(ring12, 'hunter2')).toThrow(SealError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime, type Runtime } from '@/lib/runtime';
import { isReauthProof, reauthProof } from './reauth-proof';

beforeAll(() => setRuntime({ authSecret: 'x'.repeat(40) } as Runtime));
afterAll(() => setRuntime(undefined));

describe('reauth proof', () => {
  it('is accepted for its user while fresh', () => {
    expect(isReauthProof(reauthProof(7), 7)).toBe(true);
  });
  it('is refused for another user, when old, altered, or not a string', () => {
    const now = Date.now();
    expect(isReauthProof(reauthProof(7, now), 8, now)).toBe(false);
    expect(isReauthProof(reauthProof(7, now - 31_000), 7, now)).toBe(false);
    const [at, sig] = reauthProof(7, now).split('.');
    expect(isReauthProof(`${Number(at) + 1}.${sig}`, 7, now + 2)).toBe(false);
    // One bit of the MAC flipped: always a different signature (replacing its last character with a
    // fixed one left it unchanged whenever it already was that character, about 1 run in 16).
    const mac = Buffer.from(sig!, 'base64url');
    mac.writeUInt8(mac.readUInt8(mac.length - 1) ^ 0x01, mac.length - 1);
    const altered = mac.toString('base64url');
    expect(altered).not.toBe(sig);
    expect(isReauthProof(`${at}.${altered}`, 7, now)).toBe(false);
    expect(isReauthProof({ at }, 7, now)).toBe(false);
    expect(isReauthProof(undefined, 7, now)).toBe(false);
  });
});

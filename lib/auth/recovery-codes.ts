import { createHash, randomBytes } from 'node:crypto';

/**
 * Ten single-use recovery codes, each 80 random bits written as 16 base32 characters in four
 * groups ("abcd-efgh-ijkl-mnop"). With that much entropy a guess is hopeless whatever the hash,
 * so a plain SHA-256 is stored: argon2 would cost ~50 ms per code per attempt and add nothing.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(16);
    const chars = Array.from(bytes, (b) => ALPHABET[b & 31]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** Case, spaces and dashes are how people copy codes, not part of them. */
export function normalizeRecoveryCode(text: string): string | null {
  const bare = text.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z2-7]{16}$/.test(bare) ? bare : null;
}

export function recoveryCodeHash(text: string): string | null {
  const bare = normalizeRecoveryCode(text);
  return bare ? createHash('sha256').update(`berth-recovery:${bare}`).digest('hex') : null;
}

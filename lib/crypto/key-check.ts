import { KeyRingError, type KeyRing } from './keyring';
import { open, seal, SealError } from './seal';

/**
 * A key check value stored alongside the data. Without it a wrong
 * BERTH_MASTER_KEY would only surface later, one failed secret at a time (or
 * worse, after new secrets were sealed with the wrong key). Opening a known
 * canary at start-up fails fast instead.
 */
const CANARY = 'berth key check';
const AAD = 'berth:key-check';
/** The check's associated data (rotation reseals it like any other sealed value). */
export const KEY_CHECK_AAD = AAD;
/** The settings row that holds the check. */
export const KEY_CHECK_SETTING = 'master_key_check';
const WRONG_KEY = "BERTH_MASTER_KEY does not open this database's data: wrong key?";

export function makeKeyCheck(ring: KeyRing): string {
  return seal(ring, CANARY, AAD);
}

/**
 * Throws KeyRingError unless the ring opens the stored check. The check may
 * have been sealed with an older version; `open` picks that version's key, so
 * rotation keeps working as long as the old key stays in the ring.
 */
export function verifyKeyCheck(ring: KeyRing, stored: string): void {
  let opened: string;
  try {
    opened = open(ring, stored, AAD);
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    const detail = error.reason === 'unknown-key' ? ` (key check was ${error.message})` : '';
    throw new KeyRingError(WRONG_KEY + detail);
  }
  if (opened !== CANARY) throw new KeyRingError(WRONG_KEY);
}

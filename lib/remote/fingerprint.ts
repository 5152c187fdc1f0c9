/** Host key identities, in the form operators compare on a console (`ssh-keygen -lf`). */
import { createHash } from 'node:crypto';

export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** "SHA256:" + unpadded base64 of the SHA-256 of the raw public key blob. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH public key blob (RFC 4253 §6.6), e.g. "ssh-ed25519". */
export function keyAlgorithmOf(key: Buffer): string {
  if (key.length < 4) throw new Error('public key blob is too short');
  const length = key.readUInt32BE(0);
  if (length === 0 || length > 64 || key.length < 4 + length) throw new Error('public key blob is malformed');
  return key.subarray(4, 4 + length).toString('latin1');
}

/** The key as one authorized_keys / known_hosts style line: "<algorithm> <base64>". */
export function publicKeyLine(key: Buffer): string {
  return `${keyAlgorithmOf(key)} ${key.toString('base64')}`;
}

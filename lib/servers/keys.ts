import ssh2 from 'ssh2';
import { privateKeyAad } from '@/db/sealed-aad';
import type { KeyRing } from '@/lib/crypto';
import { open, seal } from '@/lib/crypto';

// ssh2 is CommonJS: its `utils` is reachable only through the default export under Node's ESM loader.
const { utils } = ssh2;

export class KeyInputError extends Error {
  override name = 'KeyInputError';
}

/** True when an `ssh-ed25519` public line carries a well-formed blob (a 32-byte key). */
export function wellFormedEd25519(publicLine: string): boolean {
  const blob = Buffer.from(publicLine.split(' ')[1] ?? '', 'base64');
  if (blob.length < 4) return false;
  const typeLength = blob.readUInt32BE(0);
  const keyAt = 4 + typeLength;
  return blob.toString('latin1', 4, keyAt) === 'ssh-ed25519' && blob.length === keyAt + 4 + 32 && blob.readUInt32BE(keyAt) === 32;
}

/**
 * ssh2's generator drops a leading zero byte of the public key (about 1 key in 256), which
 * makes a pair OpenSSH rejects; such a pair is thrown away and made again.
 */
export function generateKeyPair(comment: string): { privateKey: string; publicKey: string } {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (wellFormedEd25519(pair.public)) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error('could not generate a well-formed ed25519 key pair');
}

/** Checks a pasted private key and derives its public line; refuses anything that is not an unencrypted key. */
export function importPrivateKey(text: string, comment: string): { privateKey: string; publicKey: string } {
  const parsed = utils.parseKey(`${text.trim()}\n`);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message))
      throw new KeyInputError('This key is protected by a passphrase: paste an unencrypted key.');
    throw new KeyInputError('This is not a private key Berth can read (OpenSSH or PEM format).');
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new KeyInputError('This is a public key: paste the private key.');
  return { privateKey: `${text.trim()}\n`, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}` };
}

export const sealPrivateKey = (ring: KeyRing, serverId: string, privateKey: string) => seal(ring, privateKey, privateKeyAad(serverId));
export const openPrivateKey = (ring: KeyRing, serverId: string, sealed: string) => open(ring, sealed, privateKeyAad(serverId));

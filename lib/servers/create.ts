import { randomUUID } from 'node:crypto';
import type { Db } from '@/db';
import { findServerByName, insertServer } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { generateKeyPair, importPrivateKey, KeyInputError, sealPrivateKey } from './keys';

export type NewServerInput = {
  name: string;
  host: string;
  port: number;
  username: string;
  bindAddress: string | null;
  privateKey?: string;
};

/**
 * Registers a server. Berth makes an ed25519 key pair for it unless the operator pasted a
 * private key; either way the private key is sealed before it reaches the database.
 * Nothing connects yet: the host key is pinned after "Test connection".
 */
export async function createServer(db: Db, ring: KeyRing, input: NewServerInput): Promise<Server> {
  if (await findServerByName(db, input.name)) throw new ActionError('A server with this name exists.', { name: ['Already in use'] });
  const comment = `berth@${input.name}`;
  let keys: { privateKey: string; publicKey: string };
  try {
    keys = input.privateKey ? importPrivateKey(input.privateKey, comment) : generateKeyPair(comment);
  } catch (err) {
    if (err instanceof KeyInputError) throw new ActionError(err.message, { privateKey: [err.message] });
    throw err;
  }
  const id = randomUUID();
  return insertServer(db, {
    id,
    name: input.name,
    host: input.host,
    port: input.port,
    username: input.username,
    bindAddress: input.bindAddress,
    publicKey: keys.publicKey,
    privateKeySealed: sealPrivateKey(ring, id, keys.privateKey),
  });
}

import { randomUUID } from 'node:crypto';
import type { Db } from '@/db';
import { findServerByName, insertServer, updateServer } from '@/db/queries/servers';
import { bindAddressInput, hostInput, type Server } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { generateKeyPair, importPrivateKey, KeyInputError, sealPrivateKey } from './keys';

/** A server as a definition states it (lib/spec): where it is, who logs in, and the host key an operator pinned. */
export type ServerDefinition = {
  name: string;
  host: string;
  port: number;
  user: string;
  bindAddress?: string;
  phpVersions: string[];
  hostKey?: string;
};

function checked(def: ServerDefinition) {
  const host = hostInput.safeParse(def.host);
  if (!host.success) throw new ActionError(`${def.name}: ${host.error.issues[0]!.message}`);
  const bind = bindAddressInput.safeParse(def.bindAddress ?? '');
  if (!bind.success) throw new ActionError(`${def.name}: ${bind.error.issues[0]!.message}`);
  return { host: host.data, bindAddress: bind.data };
}

/**
 * Creates or updates a server from a definition. A new one has no key yet: the definition only
 * refers to it, so the server "needs value" until an admin sets one (setServerKey), and nothing
 * connects before that. A host key in the file is pinned as the operator's own statement of it.
 */
export async function defineServer(db: Db, def: ServerDefinition): Promise<Server> {
  const { host, bindAddress } = checked(def);
  const fields = { host, port: def.port, username: def.user, bindAddress, phpVersions: def.phpVersions };
  const existing = await findServerByName(db, def.name);
  const pin = (current: string | null | undefined) =>
    (def.hostKey ?? null) === (current ?? null)
      ? {}
      : {
          hostKeyFingerprint: def.hostKey ?? null,
          hostKeyPinnedAt: def.hostKey ? new Date() : null,
          hostKeyMismatchAt: null,
          hostKeyMismatchFingerprint: null,
        };
  if (!existing) return insertServer(db, { id: randomUUID(), name: def.name, ...fields, ...pin(null) });
  await updateServer(db, existing.id, { ...fields, ...pin(existing.hostKeyFingerprint) });
  return (await findServerByName(db, def.name))!;
}

/** Gives a server that needs its key one: a pasted private key, or a new pair Berth makes (its public line is shown to authorize). */
export async function setServerKey(db: Db, ring: KeyRing, server: Server, privateKey?: string): Promise<void> {
  const comment = `berth@${server.name}`;
  let keys: { privateKey: string; publicKey: string };
  try {
    keys = privateKey ? importPrivateKey(privateKey, comment) : generateKeyPair(comment);
  } catch (err) {
    if (err instanceof KeyInputError) throw new ActionError(err.message, { privateKey: [err.message] });
    throw err;
  }
  await updateServer(db, server.id, { publicKey: keys.publicKey, privateKeySealed: sealPrivateKey(ring, server.id, keys.privateKey) });
}

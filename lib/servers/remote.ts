import { db as panelDb, type Db } from '@/db';
import type { Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { getConnection, type ConnectOptions, type ServerTarget } from '@/lib/remote/connection';
import { SshTransport, type Transport } from '@/lib/remote/transport';
import { recordHostKeyMismatch } from './host-key-mismatch';
import { openPrivateKey } from './keys';

/** The remote layer's view of a server: where, who, which key, and the pinned host key. */
export function targetOf(server: Server, ring: KeyRing, pinnedFingerprint = server.hostKeyFingerprint): ServerTarget {
  if (!pinnedFingerprint) throw new Error(`${server.name} has no pinned host key`);
  // A server imported from a definition whose key this panel does not hold: nothing connects until an admin sets it.
  if (!server.privateKeySealed) throw new Error(`${server.name} needs its SSH key: set it on the server's page`);
  return {
    id: server.id,
    name: server.name,
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: openPrivateKey(ring, server.id, server.privateKeySealed),
    hostKeyFingerprint: pinnedFingerprint,
  };
}

/**
 * A transport over the target's one shared connection. It connects now, so a changed host key
 * or an unreachable server shows up here, before any task starts.
 */
export async function connectTransport(target: ServerTarget, connect: ConnectOptions = {}, secrets: string[] = []): Promise<Transport> {
  await getConnection(target, connect);
  return new SshTransport(target, { connect, secrets });
}

/**
 * What a refused host key does, for connections made for `server`: marks it, audits and alerts
 * (once per new key) before the refusal reaches the caller, whichever operation connected.
 * Pass it to connectTransport's options when connecting with a target of your own.
 */
export function recordRefusalsIn(db: Db, server: Pick<Server, 'id' | 'name'>): ConnectOptions {
  return { onHostKeyMismatch: async (err) => void (await recordHostKeyMismatch(db, server, err)) };
}

/**
 * The booted panel's database. A release job (lib/releases/release-job.ts) connects with
 * transportFor(server, ring, { secrets }) and no database, so a refusal there is recorded here;
 * outside the panel (scripts/run-release.ts, tests without a runtime) there is none, and the
 * caller's own recordServerFailure, if any, records it.
 */
function bootedDb(): Db | undefined {
  try {
    return panelDb();
  } catch {
    return undefined;
  }
}

/**
 * `secrets`: what the transport hides from its logs and errors besides the server's key. A job
 * acting for an app passes the app's env values (lib/env/secrets.ts appEnvSecrets).
 * `db`: where a refused host key is recorded (recordRefusalsIn); the booted panel's by default.
 * The refusal is recorded on the first connection and on any reconnection the transport makes.
 */
export function transportFor(server: Server, ring: KeyRing, opts: { secrets?: string[]; db?: Db } = {}): Promise<Transport> {
  const db = opts.db ?? bootedDb();
  return connectTransport(targetOf(server, ring), db ? recordRefusalsIn(db, server) : {}, opts.secrets);
}

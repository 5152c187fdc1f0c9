import type { Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { getConnection, type ConnectOptions, type ServerTarget } from '@/lib/remote/connection';
import { SshTransport, type Transport } from '@/lib/remote/transport';
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
 * `secrets`: what the transport hides from its logs and errors besides the server's key. A job
 * acting for an app passes the app's env values (lib/env/secrets.ts appEnvSecrets).
 */
export function transportFor(server: Server, ring: KeyRing, opts: { secrets?: string[] } = {}): Promise<Transport> {
  return connectTransport(targetOf(server, ring), {}, opts.secrets);
}

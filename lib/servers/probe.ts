import type { Db } from '@/db';
import { expireProbesBefore, findServer, updateServer } from '@/db/queries/servers';
import type { ProbeResult } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { cmd } from '@/lib/remote/command';
import { closeConnection } from '@/lib/remote/connection';
import { HostKeyMismatchError } from '@/lib/remote/errors';
import { probeHostKey } from '@/lib/remote/probe-host-key';
import { recordHostKeyMismatch } from './host-key-mismatch';
import { connectTransport, targetOf } from './remote';

const PROBE_TIMEOUT_MS = 10_000;
const PROBE_EXPIRY_MS = 2 * 60_000;

/**
 * "Test connection": learns the host key without trusting it, then logs in accepting only that
 * exact key to check the user and our key. Nothing is pinned here; the operator confirms.
 * On a pinned server a different key is a mismatch: recorded (once), and no login is attempted.
 */
export async function runProbe(db: Db, ring: KeyRing, serverId: string): Promise<void> {
  const server = await findServer(db, serverId);
  if (!server) return;
  const at = new Date().toISOString();
  const save = (probe: ProbeResult) => updateServer(db, serverId, { probe, ...(probe.fingerprint ? { lastSeenAt: new Date() } : {}) });
  let key: { fingerprint: string; algorithm: string };
  try {
    key = await probeHostKey({ host: server.host, port: server.port, timeoutMs: PROBE_TIMEOUT_MS });
  } catch (err) {
    return save({ ok: false, fingerprint: null, algorithm: null, error: (err as Error).message, at });
  }
  if (server.hostKeyFingerprint && server.hostKeyFingerprint !== key.fingerprint) {
    // The same record as any refused connection; it clears the test result, and the page shows
    // the mismatch (old and new fingerprints) in place of one.
    await recordHostKeyMismatch(db, server, new HostKeyMismatchError(server.name, server.hostKeyFingerprint, key.fingerprint));
    return;
  }
  // A throwaway connection pinned to what we just saw: the server's shared one keeps its own pin.
  const id = `probe:${server.id}`;
  try {
    const transport = await connectTransport({ ...targetOf(server, ring, key.fingerprint), id }, { readyTimeoutMs: PROBE_TIMEOUT_MS });
    const user = (await transport.exec(cmd('id', '-un'), { timeoutMs: PROBE_TIMEOUT_MS })).stdout.trim();
    await save({ ok: true, ...key, user, at });
  } catch (err) {
    await save({ ok: false, ...key, error: (err as Error).message, at });
  } finally {
    await closeConnection(id);
  }
}

export function expireStaleProbes(db: Db): Promise<void> {
  return expireProbesBefore(db, new Date(Date.now() - PROBE_EXPIRY_MS));
}

/**
 * One SSH connection per server, reused by every operation on it.
 *
 * - The TCP socket is ours, with TCP_NODELAY: ssh2's own socket pays Nagle + delayed ACK,
 *   about 45 ms per exec on loopback instead of about 2 ms (STACK-NOTES).
 * - The host key is checked against the pinned fingerprint before authentication, so a
 *   server that is not the one pinned never sees our key's signature.
 * - At most 8 channels per connection (exec and SFTP alike); more calls queue.
 * - A connection that closes or fails leaves the registry; the next call reconnects.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';
import { resolveHost } from './address';
import { AddressError, ConnectError, HostKeyMismatchError } from './errors';
import { fingerprintOf } from './fingerprint';
import { checkPrivateKey, connectFailure } from './connect-failure';
import { Semaphore } from './semaphore';

export interface ServerTarget {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  privateKey: string;
  hostKeyFingerprint: string;
}

export interface ConnectOptions {
  /** Bound on DNS + TCP + SSH handshake + authentication. Default 10 s. */
  readyTimeoutMs?: number;
  /** A dead server is noticed after about interval × (countMax + 1): 15 s × 5 = 75 s by default. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /**
   * Awaited when this handshake is refused for its host key, before the HostKeyMismatchError
   * reaches any caller (all share the handshake): the layer above records the refusal at that
   * moment (lib/servers/remote.ts), since lib/remote knows no database. Its own failure is
   * logged and never replaces the refusal.
   */
  onHostKeyMismatch?: (err: HostKeyMismatchError) => Promise<void>;
}

export const MAX_CHANNELS = 8;
/** OpenSSH's MaxSessions is 10: the 2 sessions above our 8 are kept for killing timed-out commands. */
export const KILL_CHANNELS = 2;
const DEFAULTS = { readyTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, keepaliveCountMax: 4 };

export class Connection {
  readonly target: ServerTarget;
  readonly client: SshClient;
  readonly channels = new Semaphore(MAX_CHANNELS);
  readonly killChannels = new Semaphore(KILL_CHANNELS);
  private open = true;

  constructor(target: ServerTarget, client: SshClient) {
    this.target = target;
    this.client = client;
    client.on('close', () => this.discard());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Marks the connection dead at once (so the next call reconnects) and tears it down. */
  discard(): void {
    if (!this.open) return;
    this.open = false;
    const entry = registry.get(this.target.id);
    if (entry?.current === this) registry.delete(this.target.id);
    this.client.destroy();
  }

  /** Holds one of the 8 channel permits while `fn` runs. */
  async withChannel<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.channels.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 1000);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }
}

interface Entry {
  signature: string;
  connection: Promise<Connection>;
  current?: Connection;
}

const registry = new Map<string, Entry>();
const handshakes = new Map<string, number>();

/** Everything that, when changed (a new pin, a rotated key), must give a new connection. */
function signatureOf(t: ServerTarget): string {
  return createHash('sha256')
    .update(JSON.stringify([t.host, t.port, t.username, t.privateKey, t.hostKeyFingerprint]))
    .digest('hex');
}

/** The live connection to this server, or a new one. Concurrent callers share one handshake. */
export async function getConnection(target: ServerTarget, opts: ConnectOptions = {}): Promise<Connection> {
  const signature = signatureOf(target);
  const entry = registry.get(target.id);
  if (entry && entry.signature === signature) {
    const existing = await entry.connection.catch(() => null);
    if (existing?.isOpen) return existing;
    if (registry.get(target.id) === entry) registry.delete(target.id);
    return getConnection(target, opts);
  }
  if (entry) {
    registry.delete(target.id);
    void entry.connection.then(
      (c) => c.close(),
      () => undefined,
    );
  }
  const fresh: Entry = { signature, connection: connect(target, opts).catch((err) => reportRefusal(err, target, opts)) };
  registry.set(target.id, fresh);
  fresh.connection.then(
    (c) => (fresh.current = c),
    () => registry.get(target.id) === fresh && registry.delete(target.id),
  );
  return fresh.connection;
}

/** SSH handshakes started for this server id since the process started. */
export function handshakeCount(serverId: string): number {
  return handshakes.get(serverId) ?? 0;
}

export async function closeConnection(serverId: string): Promise<void> {
  const entry = registry.get(serverId);
  if (!entry) return;
  registry.delete(serverId);
  const connection = await entry.connection.catch(() => null);
  await connection?.close();
}

export async function closeAll(): Promise<void> {
  await Promise.all([...registry.keys()].map(closeConnection));
}

async function reportRefusal(err: unknown, target: ServerTarget, opts: ConnectOptions): Promise<never> {
  if (err instanceof HostKeyMismatchError && opts.onHostKeyMismatch) {
    await opts.onHostKeyMismatch(err).catch((hookErr: Error) => {
      console.error(`berth: recording the host key refusal of ${target.name} failed: ${hookErr.message}`);
    });
  }
  throw err;
}

async function connect(target: ServerTarget, opts: ConnectOptions): Promise<Connection> {
  const o = { ...DEFAULTS, ...opts };
  const keyProblem = checkPrivateKey(target.privateKey);
  if (keyProblem) throw new ConnectError(target.name, keyProblem, 'bad-key');
  let address: string;
  try {
    address = await resolveHost(target.host);
  } catch (err) {
    if (err instanceof AddressError) throw new ConnectError(target.name, err.message, 'address');
    throw err;
  }
  handshakes.set(target.id, handshakeCount(target.id) + 1);

  return new Promise<Connection>((resolve, reject) => {
    const sock = net.connect({ host: address, port: target.port });
    sock.setNoDelay(true);
    const client = new ssh2.Client();
    let presented: string | null = null;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      sock.destroy();
      reject(error);
    };
    client.on('ready', () => {
      settled = true;
      resolve(new Connection(target, client));
    });
    // Always listening: an 'error' without a listener would crash the process.
    client.on('error', (err) => {
      if (presented !== null && presented !== target.hostKeyFingerprint) {
        return fail(new HostKeyMismatchError(target.name, target.hostKeyFingerprint, presented));
      }
      fail(connectFailure(target, err, o.readyTimeoutMs));
    });
    client.on('close', () => fail(new ConnectError(target.name, 'the server closed the connection before login completed', 'closed')));
    client.connect({
      sock,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: o.readyTimeoutMs,
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: o.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key);
        return presented === target.hostKeyFingerprint;
      },
    });
  });
}

export { probeHostKey } from './probe-host-key';
export type { HostKeyProbe } from './probe-host-key';

/**
 * "Test connection" before pinning: learn which host key a server presents, without
 * logging in. The key exchange runs to the host key check, which we answer "no", so no
 * credential is ever offered. The operator compares the fingerprint with the server's
 * console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) and pins it.
 */
import net from 'node:net';
import ssh2 from 'ssh2';
import { resolveHost } from './address';
import { connectFailure } from './connect-failure';
import { AddressError, ConnectError } from './errors';
import { fingerprintOf, keyAlgorithmOf, publicKeyLine } from './fingerprint';

export interface HostKeyProbe {
  algorithm: string;
  fingerprint: string;
  /** "<algorithm> <base64>", as in known_hosts. */
  publicKey: string;
}

export async function probeHostKey(opts: { host: string; port: number; timeoutMs?: number }): Promise<HostKeyProbe> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const name = `${opts.host}:${opts.port}`;
  let address: string;
  try {
    address = await resolveHost(opts.host);
  } catch (err) {
    if (err instanceof AddressError) throw new ConnectError(name, err.message, 'address');
    throw err;
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: address, port: opts.port });
    sock.setNoDelay(true);
    const client = new ssh2.Client();
    let key: Buffer | null = null;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      sock.destroy();
      if (key) {
        resolve({ algorithm: keyAlgorithmOf(key), fingerprint: fingerprintOf(key), publicKey: publicKeyLine(key) });
      } else {
        reject(error ?? new ConnectError(name, 'the server closed the connection before showing its host key', 'closed'));
      }
    };
    client.on('error', (err) => finish(key ? undefined : connectFailure({ name, host: opts.host, port: opts.port }, err, timeoutMs)));
    client.on('close', () => finish());
    client.connect({
      sock,
      username: 'berth-host-key-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (presented: Buffer) => {
        key = Buffer.from(presented);
        return false; // stop here: nothing is sent after the key exchange
      },
    });
  });
}

/**
 * Turns what node and ssh2 report when a connection fails into a ConnectError an
 * operator understands. Raw messages are never passed through: they can be cryptic,
 * and a transport error is not something a panel user can act on.
 */
import ssh2 from 'ssh2';
import { ConnectError } from './errors';

interface TargetLike {
  name: string;
  host: string;
  port: number;
  username?: string;
}

/** Why this text cannot be used as the login key, or null when ssh2 can use it. */
export function checkPrivateKey(privateKey: string): string | null {
  if (privateKey.includes('\0') || privateKey.trim() === '') return 'not a valid private key (it is empty)';
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    return /passphrase|encrypted/i.test(parsed.message)
      ? 'the private key is protected by a passphrase; give Berth a key without one'
      : 'not a valid private key (expected an OpenSSH, PEM or PuTTY private key)';
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) return 'not a valid private key (this is a public key)';
  return null;
}

interface TransportErrorLike {
  code?: string | number;
  level?: string;
  message?: string;
}

export function connectFailure(target: TargetLike, error: unknown, timeoutMs: number): ConnectError {
  const err = (error ?? {}) as TransportErrorLike;
  const where = `${target.host}:${target.port}`;
  const seconds = Math.round(timeoutMs / 100) / 10;
  if (err.level === 'client-authentication') {
    return new ConnectError(
      target.name,
      `authentication failed for user ${target.username ?? '?'}: the server does not accept this key`,
      'auth',
    );
  }
  if (err.level === 'client-timeout' && /keepalive/i.test(err.message ?? '')) {
    return new ConnectError(target.name, 'the server stopped answering (keepalive timed out)', 'timeout');
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    return new ConnectError(target.name, `timed out after ${seconds} s waiting for ${where}`, 'timeout');
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectError(
        target.name,
        `connection refused by ${where} (nothing listens there: is sshd running, and is the port right?)`,
        'refused',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ConnectError(target.name, `${where} is unreachable from this panel (no route)`, 'unreachable');
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectError(target.name, `${where} reset the connection during login`, 'closed');
  }
  const noAlgorithm = /no matching ([a-z ]+?) (?:algorithm|cipher|format)/i.exec(err.message ?? '');
  if (noAlgorithm) {
    return new ConnectError(
      target.name,
      `the SSH handshake failed: the server offers no ${noAlgorithm[1]} algorithm Berth supports`,
      'protocol',
    );
  }
  if (/before handshake/i.test(err.message ?? '')) {
    return new ConnectError(target.name, `${where} closed the connection before the SSH handshake (is it an SSH server?)`, 'closed');
  }
  return new ConnectError(target.name, `the SSH connection to ${where} failed (${err.code ?? err.level ?? 'unknown cause'})`, 'protocol');
}

/**
 * Connecting, pinning and reconnecting against the REAL test hosts. Fails, never skips,
 * without them. Disruptive tests (killing or stopping a session's sshd, rekeying) use
 * berth-host-2 and only ever touch their own session.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cmd } from './command';
import { closeAll, closeConnection, getConnection, handshakeCount, probeHostKey } from './connection';
import { ConnectError, HostKeyMismatchError, RemoteError } from './errors';
import { bedEnv, loadTestHosts, testHost, testTarget, testbedDir } from '@/test-support/test-hosts';
import { SshTransport } from './transport';

afterAll(closeAll);

const marker = () => `/tmp/berth-must-not-exist-${process.pid}-${Date.now()}`;
const hostFile = (name: string, p: string) => path.join(testbedDir(), 'hosts', name, p);
const sh = (text: string) => cmd('sh', '-c', text);
// Walks up from the remote shell to the sshd process serving this very session.
const SESSION_SSHD = 'p=$$; while [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(awk \'/^PPid:/{print $2}\' /proc/$p/status); done';

async function expectConnectError(promise: Promise<unknown>, failure: string, message: RegExp, withinMs: number) {
  const started = performance.now();
  const err = await promise.then(
    () => new Error('expected a ConnectError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).failure).toBe(failure);
  expect((err as ConnectError).message).toMatch(message);
  expect(performance.now() - started).toBeLessThan(withinMs);
  return err as ConnectError;
}

describe('host key pinning', () => {
  it('a wrong pinned fingerprint is refused before login, with both fingerprints, and nothing runs', async () => {
    const [h1, h2] = [testHost('berth-host-1'), testHost('berth-host-2')];
    const target = testTarget(h1, { hostKeyFingerprint: h2.hostKeyFingerprint });
    const file = marker();
    const err = await new SshTransport(target).exec(cmd('touch', file)).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(err).toMatchObject({
      serverName: 'berth-host-1',
      expectedFingerprint: h2.hostKeyFingerprint,
      actualFingerprint: h1.hostKeyFingerprint,
    });
    const check = await new SshTransport(testTarget(h1)).exec(cmd('test', '-e', file), { okExitCodes: [0, 1] });
    expect(check.code).toBe(1);
  });

  it('probeHostKey shows the key a host presents, without logging in, equal to ssh-keygen -lf', async () => {
    for (const h of loadTestHosts()) {
      const probe = await probeHostKey({ host: h.address, port: h.port, timeoutMs: 3000 });
      const pub = readFileSync(hostFile(h.name, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
      expect(probe).toEqual({
        algorithm: 'ssh-ed25519',
        fingerprint: h.hostKeyFingerprint,
        publicKey: pub.split(' ').slice(0, 2).join(' '),
      });
    }
    await expectConnectError(probeHostKey({ host: '127.0.0.99', port: 22 }), 'refused', /connection refused/, 2000);
  });

  it('a host key that changes after pinning is refused on the next connection (rekey.sh)', async () => {
    const h2 = testHost('berth-host-2');
    const target = testTarget(h2);
    const t = new SshTransport(target);
    await t.exec(cmd('true'));
    const saved = mkdtempSync(path.join(tmpdir(), 'berth-rekey-'));
    execFileSync('cp', [hostFile(h2.name, 'etc/ssh/ssh_host_ed25519_key'), path.join(saved, 'key')]);
    try {
      const fresh = execFileSync('bash', ['scripts/testbed/rekey.sh', h2.name], { encoding: 'utf8', env: bedEnv() }).trim();
      expect(testHost('berth-host-2').hostKeyFingerprint).toBe(fresh); // hosts.json follows
      await t.exec(cmd('true')); // the open, already verified connection is unaffected
      await closeConnection(target.id);
      const err = await t.exec(cmd('true')).catch((e) => e);
      expect(err).toBeInstanceOf(HostKeyMismatchError);
      expect(err).toMatchObject({ expectedFingerprint: h2.hostKeyFingerprint, actualFingerprint: fresh });
      // Re-pinning the new key (a changed target) connects again.
      await new SshTransport({ ...target, hostKeyFingerprint: fresh }).exec(cmd('true'));
    } finally {
      execFileSync('bash', ['scripts/testbed/rekey.sh', h2.name, '--key', path.join(saved, 'key')], { env: bedEnv() });
      rmSync(saved, { recursive: true, force: true });
    }
    expect(testHost('berth-host-2').hostKeyFingerprint).toBe(h2.hostKeyFingerprint);
  });
});

describe('connect failures an operator understands', () => {
  it('nothing listening: "connection refused", at once', async () => {
    const target = testTarget(testHost('berth-host-1'), { host: '127.0.0.99' });
    await expectConnectError(
      getConnection(target),
      'refused',
      /Cannot connect to berth-host-1: connection refused by 127\.0\.0\.99:22/,
      2000,
    );
  });

  it('a peer that never speaks SSH: "timed out after N s" within the ready timeout', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.98', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const target = testTarget(testHost('berth-host-1'), { host: '127.0.0.98', port });
      const err = await expectConnectError(getConnection(target, { readyTimeoutMs: 700 }), 'timeout', /timed out after 0\.7 s/, 2000);
      expect(err.message).not.toMatch(/handshake/i);
    } finally {
      silent.close();
    }
  });

  it('a key the server does not accept: "authentication failed for user root"', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
      const target = testTarget(testHost('berth-host-1'), { privateKey: readFileSync(path.join(dir, 'k'), 'utf8') });
      await expectConnectError(
        getConnection(target),
        'auth',
        /authentication failed for user root: the server does not accept this key/,
        5000,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('text that is not a key: "not a valid private key", without connecting', async () => {
    const target = testTarget(testHost('berth-host-1'), { privateKey: 'hunter2 is my password' });
    const err = await expectConnectError(getConnection(target), 'bad-key', /not a valid private key/, 500);
    expect(err.message).not.toContain('hunter2');
    expect(handshakeCount(target.id)).toBe(0);
  });

  it('a metadata or link-local address is refused before any packet is sent', async () => {
    const target = testTarget(testHost('berth-host-1'), { host: '169.254.169.254' });
    await expectConnectError(getConnection(target), 'address', /link-local.*does not connect/, 500);
    expect(handshakeCount(target.id)).toBe(0);
  });
});

describe('one connection per server, reconnecting when it drops', () => {
  it('concurrent first calls share one handshake', async () => {
    const target = testTarget(testHost('berth-host-1'));
    const t = new SshTransport(target);
    await Promise.all(Array.from({ length: 6 }, () => t.exec(cmd('true'))));
    expect(handshakeCount(target.id)).toBe(1);
  });

  it('after the server closes the connection, the next exec reconnects (handshake 2)', async () => {
    const target = testTarget(testHost('berth-host-2'));
    const t = new SshTransport(target);
    await t.exec(cmd('true'));
    const killed = await t.exec(sh(`${SESSION_SSHD}; kill -TERM "$p"`)).catch((e) => e);
    expect(killed).toBeInstanceOf(RemoteError); // its own connection went away under it
    expect((killed as RemoteError).failure).toBe('channel');
    expect((await t.exec(cmd('hostname'))).stdout).toBe('berth-host-2\n');
    expect(handshakeCount(target.id)).toBe(2);
  });

  it('keepalive notices a server that stopped answering, and the next call reconnects', async () => {
    const target = testTarget(testHost('berth-host-2'));
    const t = new SshTransport(target, { connect: { keepaliveIntervalMs: 200, keepaliveCountMax: 2 } });
    // Freeze this session's sshd a moment after the command returns; report its pid.
    const { stdout } = await t.exec(sh(`${SESSION_SSHD}; echo "$p"; (sleep 0.2; kill -STOP "$p") >/dev/null 2>&1 &`));
    const frozen = Number(stdout.trim());
    const connection = await getConnection(target);
    const started = performance.now();
    await new Promise<void>((resolve) => connection.client.once('close', () => resolve()));
    expect(performance.now() - started).toBeLessThan(10_000); // ~0.2 s + 3 × 0.2 s when idle; ssh2's default would take minutes
    const other = new SshTransport(testTarget(testHost('berth-host-2')));
    await other.exec(cmd('kill', '-CONT', String(frozen)));
    expect((await t.exec(cmd('true'))).code).toBe(0);
    expect(handshakeCount(target.id)).toBe(2);
  });

  it('a changed pin or key for the same server id replaces the connection', async () => {
    const target = testTarget(testHost('berth-host-1'));
    const first = await getConnection(target);
    expect(await getConnection(target)).toBe(first);
    const second = await getConnection({ ...target, name: 'renamed' }); // the name does not matter
    expect(second).toBe(first);
    await expect(getConnection({ ...target, hostKeyFingerprint: testHost('berth-host-2').hostKeyFingerprint })).rejects.toThrow(
      HostKeyMismatchError,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(first.isOpen).toBe(false);
  });
});

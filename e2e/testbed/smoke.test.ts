/**
 * Smoke test of the two-host test bed (scripts/testbed). The runner brings the test bed
 * up first (scripts/testbed/up.sh) and down afterwards (scripts/testbed/down.sh); this
 * file only reads $BERTH_TESTBED_DIR/hosts.json and FAILS, never skips, without it.
 *
 * It checks what later tests rely on: each host answers SSH with its own pinned host key
 * and its own hostname, refuses a wrong pin, serves its own page over HTTP, and keeps
 * files and users to itself.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { Client } from 'ssh2';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadTestHosts, type TestHost } from '@/test-support/test-hosts';
import net from 'node:net';

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const HOST_NAMES = ['berth-host-1', 'berth-host-2'] as const;

// Directories each host must keep to itself (all that up.sh gives a host its own copy of).
const ISOLATED_DIRS = [
  '/var/www',
  '/etc/nginx',
  '/etc/php',
  '/etc/supervisor',
  '/etc/cron.d',
  '/home',
  '/run',
  '/root',
  '/var/log',
  '/var/spool/cron',
  '/tmp',
];

// One reader of hosts.json for every test-bed test; it fails with a clear message when the bed is down.
function loadHosts(): Map<string, TestHost> {
  return new Map(loadTestHosts().map((h) => [h.name, h]));
}

/** The fingerprint `ssh-keygen -lf` prints for a raw public key blob. */
function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Connect and authenticate, accepting only the host key whose fingerprint is `pinned`. */
function connect(host: TestHost, pinned = host.hostKeyFingerprint): Promise<Client> {
  return new Promise((resolve, reject) => {
    // Our own socket with TCP_NODELAY: without it each exec waits ~40 ms on delayed ACKs.
    const sock = net.connect({ host: host.address, port: host.port });
    sock.setNoDelay(true);
    const client = new Client();
    client.on('ready', () => resolve(client));
    client.on('error', (err) => {
      sock.destroy();
      reject(err); // no-op once connected
    });
    client.connect({
      sock,
      host: host.address,
      port: host.port,
      username: host.user,
      privateKey: readFileSync(host.privateKeyPath),
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) => fingerprint(key) === pinned,
    });
  });
}

function run(client: Client, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => resolve({ code, stdout, stderr }));
    });
  });
}

// Loaded on first use, inside each test: without hosts.json every test FAILS with the
// message above (a throwing beforeAll would only mark them skipped).
let hosts: Map<string, TestHost> | undefined;
const host = (name: string): TestHost => {
  hosts ??= loadHosts();
  return hosts.get(name)!;
};
const other = (name: string): TestHost => host(HOST_NAMES.find((n) => n !== name)!);

describe('test bed (scripts/testbed)', () => {
  it('hosts.json describes two hosts with distinct addresses and host keys', () => {
    const h1 = host('berth-host-1');
    const h2 = host('berth-host-2');
    expect(h1.address).not.toBe(h2.address);
    expect(h1.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(h1.hostKeyFingerprint).not.toBe(h2.hostKeyFingerprint);
    expect(existsSync(h1.privateKeyPath)).toBe(true);
  });

  for (const name of HOST_NAMES) {
    it(`${name}: SSH with the pinned host key reaches that host as root`, async () => {
      const client = await connect(host(name));
      try {
        const r = await run(client, 'hostname; id -un');
        expect(r).toMatchObject({ code: 0, stdout: `${name}\nroot\n` });
      } finally {
        client.end();
      }
    });

    it(`${name}: a connection pinned to another host's key is refused`, async () => {
      await expect(connect(host(name), other(name).hostKeyFingerprint)).rejects.toThrow(/verification failed/i);
    });

    it(`${name}: nginx serves the host's own page`, async () => {
      const res = await fetch(`http://${host(name).address}/`, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(body).toContain(name);
      expect(body).not.toContain(other(name).name);
    });
  }

  describe('isolation', () => {
    // One connection per host, opened by the first test that needs it.
    let pair: Promise<[Client, Client]> | undefined;
    const clients = () => (pair ??= Promise.all([connect(host('berth-host-1')), connect(host('berth-host-2'))]));
    const unique = () => `berth-smoke-${randomBytes(6).toString('hex')}`;

    afterAll(async () => {
      const open = await pair?.catch(() => undefined);
      for (const c of open ?? []) c.end();
    });

    it('files written on host 1 are invisible on host 2 and on this machine', async () => {
      const [c1, c2] = await clients();
      const paths = ISOLATED_DIRS.map((d) => `${d}/${unique()}`);
      const list = paths.join(' ');
      try {
        const wrote = await run(c1, `touch ${list} && for p in ${list}; do test -e "$p" || exit 1; done`);
        expect(wrote).toMatchObject({ code: 0, stderr: '' });
        const seen = await run(c2, `for p in ${list}; do test -e "$p" && echo "$p"; done; true`);
        expect(seen).toMatchObject({ code: 0, stdout: '' });
        expect(paths.filter((p) => existsSync(p))).toEqual([]);
      } finally {
        await run(c1, `rm -f ${list}`);
      }
    });

    it('a user added on host 1 exists neither on host 2 nor on this machine', async () => {
      const [c1, c2] = await clients();
      const user = `bs${randomBytes(5).toString('hex')}`;
      try {
        const added = await run(c1, `useradd --create-home --shell /bin/bash ${user} && id -u ${user}`);
        expect(added.code, added.stderr).toBe(0);
        const onHost2 = await run(c2, `id ${user}`);
        expect(onHost2.code).not.toBe(0);
        expect(spawnSync('id', [user]).status).not.toBe(0);
      } finally {
        await run(c1, `userdel --remove ${user} 2>/dev/null`);
      }
    });
  });
});

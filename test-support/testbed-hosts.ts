import { execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { bedEnv, testbedDir, testHost } from '@/test-support/test-hosts';

export { testHost, type TestHost } from '@/test-support/test-hosts';
export const TESTBED_DIR = testbedDir();

/** What an operator does by hand: append Berth's public key to the host's authorized_keys. */
export function authorizeKey(name: string, publicKey: string): void {
  execFileSync('bash', ['scripts/testbed/authorize-key.sh', name, publicKey], { stdio: 'pipe', env: bedEnv() });
}

/** Regenerates a host's SSH host key (as a reinstall would); hosts.json gets the new fingerprint. */
export function rekeyHost(name: string): void {
  execFileSync('bash', ['scripts/testbed/rekey.sh', name], { stdio: 'pipe', env: bedEnv() });
}

/** A path inside a host's own file system, seen from this machine. */
export function hostPath(name: string, dir: 'etc' | 'tmp' | 'www' | 'root', rel: string): string {
  return path.join(TESTBED_DIR, 'hosts', name, dir, rel);
}

/** GET / on a host's address with a chosen Host header (fetch() cannot set one); rejects when nginx closes without answering. */
export function getWithHost(
  address: string,
  hostHeader: string,
  path = '/',
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port: 80, path, headers: { host: hostHeader }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

/** Runs a shell command as root on a test host over plain ssh, as an operator at its console would. */
export function onHost(name: 'berth-host-1' | 'berth-host-2', command: string) {
  const host = testHost(name);
  return spawnSync(
    'ssh',
    [
      '-i',
      path.join(TESTBED_DIR, 'client_ed25519'),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `root@${host.address}`,
      command,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
}

/** Kills every root SSH session on a host from outside (a reboot or network drop would); this ssh's own session dies too. */
export function dropSessions(name: 'berth-host-1' | 'berth-host-2'): void {
  onHost(name, "pkill -KILL -f 'sshd: root@'");
}

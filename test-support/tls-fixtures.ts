import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { pebbleBedDir } from '@/test-support/test-hosts';

/**
 * Test support for TLS: certificates made by openssl at test time (a CA that signs leaves with
 * any validity window, expired ones included), Pebble from scripts/testbed/pebble.sh, and an
 * HTTPS GET that shows which certificate a server presents.
 */
export type TestCa = { dir: string; certPem: string };
export type Issued = { certPem: string; keyPem: string };

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

const CA_CONFIG = `[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\ncopy_extensions = copy\n[p]\ncommonName = supplied\n`;

export function makeCa(name = 'Berth test CA'): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ca-'));
  fs.writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  return { dir, certPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
}

/** A leaf for `domains`; `start`/`end` as openssl wants them (YYYYMMDDHHMMSSZ), default: valid for 30 days. */
export function issue(ca: TestCa, domains: string[], opts: { start?: string; end?: string; rsa?: boolean } = {}): Issued {
  const id = `leaf-${Math.random().toString(36).slice(2)}`;
  const keyArgs = opts.rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const san = domains.map((d) => `DNS:${d}`).join(',');
  openssl(
    ca.dir,
    'req',
    ...keyArgs,
    '-nodes',
    '-subj',
    `/CN=${domains[0]}`,
    '-addext',
    `subjectAltName=${san}`,
    '-keyout',
    `${id}.key`,
    '-out',
    `${id}.csr`,
  );
  const validity =
    opts.start || opts.end ? ['-startdate', opts.start ?? '20200101000000Z', '-enddate', opts.end ?? '20991231000000Z'] : ['-days', '30'];
  openssl(
    ca.dir,
    'ca',
    '-batch',
    '-notext',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    `${id}.csr`,
    '-out',
    `${id}.pem`,
    ...validity,
  );
  return {
    certPem: fs.readFileSync(path.join(ca.dir, `${id}.pem`), 'utf8'),
    keyPem: fs.readFileSync(path.join(ca.dir, `${id}.key`), 'utf8'),
  };
}

export const removeCa = (ca: TestCa) => fs.rmSync(ca.dir, { recursive: true, force: true });

export type Pebble = { directory: string; listenerCa: string; rootsUrl: string; challtestsrv: string; resolvesTo: string };

/** Starts Pebble if it is not running (idempotent, as the test runner does) and says where it is. */
export function startPebble(): Pebble {
  execFileSync('bash', ['scripts/testbed/pebble.sh', 'start'], {
    stdio: 'pipe',
    env: { ...process.env, BERTH_TESTBED_DIR: pebbleBedDir() },
  });
  const dir = path.join(pebbleBedDir(), 'pebble');
  return JSON.parse(fs.readFileSync(path.join(dir, 'pebble.json'), 'utf8')) as Pebble;
}

function request(
  url: string | URL,
  opts: https.RequestOptions,
  body?: string,
): Promise<{ status: number; body: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { timeout: 5000, ...opts }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, cert }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

/** Pebble's current issuing root (new at every Pebble start). */
export async function pebbleRoot(p: Pebble): Promise<string> {
  return (await request(p.rootsUrl, { ca: fs.readFileSync(p.listenerCa) })).body;
}

/**
 * Makes one name resolve to `address` alone for Pebble's validation (null: back to the default,
 * the first bed's berth-host-1). pebble-challtestsrv's add-a appends, so the old answer is cleared first.
 */
export async function pointName(p: Pebble, host: string, address: string | null): Promise<void> {
  const calls: [string, object][] = [['/clear-a', { host: `${host}.` }]];
  if (address) calls.push(['/add-a', { host: `${host}.`, addresses: [address] }]);
  for (const [pathname, payload] of calls) {
    const res = await fetch(new URL(pathname, p.challtestsrv), { method: 'POST', body: JSON.stringify(payload) });
    if (!res.ok) throw new Error(`pebble-challtestsrv ${pathname}: ${res.status}`);
  }
}

/** GET https://<servername>/ through `address`:443, trusting only `ca`: what the server presents and serves. */
export function httpsGet(address: string, servername: string, ca: string | Buffer) {
  return request(`https://${address}/`, { servername, headers: { host: servername }, ca, agent: false });
}

import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, insertApp, updateAppConfig, upsertPlacements } from '@/db/queries/apps';
import { acmeCertificate, uploadedCertificate } from '@/db/queries/certificates';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import type { App } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';
import {
  httpsGet,
  issue,
  makeCa,
  pebbleRoot,
  pointName,
  removeCa,
  startPebble,
  type Pebble,
  type TestCa,
} from '@/test-support/tls-fixtures';
import { certificateKeyAad } from '@/db/sealed-aad';
import { saveUploadedCertificate } from '@/lib/apps/certificates';
import { appConfigInput } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { runConfigure } from '@/lib/apps/configure-job';
import { generateKeyText, open, parseKeyRing } from '@/lib/crypto';
import { and, asUser, cmd, env, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { renderCron } from '@/lib/templates/cron';
import { HEADER } from '@/lib/templates/directive';

// TLS on a real test host against Pebble: the configure job issues with certbot (HTTP-01 through
// the app's vhost), nginx serves HTTPS, renewal works; an uploaded pair is served as uploaded.
let t: TestDb;
let transport: Transport;
let serverId: string;
let pebble: Pebble;
let pebbleCa: string;
let uploadCa: TestCa;
const ring = parseKeyRing(generateKeyText(1));
const host = testHost('berth-host-1');
const other = testHost('berth-host-2');
const VALIDATED = [
  'tlsacme.test',
  'www.tlsacme.test',
  'shop.tlsacme.test',
  'tlsmove.test',
  'www.tlsmove.test',
  'tlsbad.test',
  'www.tlsbad.test',
];
const SLUGS = ['tlsacme', 'tlsbad', 'tlsup', 'tlsmove'];

async function addApp(slug: string, tls: object): Promise<App> {
  const config = appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.test`, `www.${slug}.test`], tls });
  return insertApp(t.db, { slug, name: slug, config }, [{ serverId, roles: ['web'] }]);
}

async function configure(app: App) {
  const run = await createRun(t.db, { serverId, appId: app.id, recipe: 'configure' });
  await runConfigure(t.db, ring, run.id, new AbortController().signal, { directory: pebble.directory, caBundle: pebble.listenerCa });
  const tasks = await tasksOf(t.db, run.id);
  const tls = tasks.find((x) => x.name === 'tls');
  const tlsMs = tls?.startedAt && tls.finishedAt ? tls.finishedAt.getTime() - tls.startedAt.getTime() : null;
  return { run: (await findRun(t.db, run.id))!, tasks: Object.fromEntries(tasks.map((x) => [x.name, x.status])), tlsMs };
}

/**
 * `nginx -s reload` returns before nginx has re-read its config, and old workers finish their
 * accepts: the first answer that satisfies `ok`, or the last answer (or error) after 5 s.
 */
async function eventually<T>(get: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await get().catch((err: Error) => (i < 50 ? null : Promise.reject(err)));
    if (value !== null && (ok(value) || i >= 50)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const servedOnceReloaded = (name: string, ca: string, fingerprint: string) =>
  eventually(
    () => httpsGet(host.address, name, ca),
    (res) => res.cert.fingerprint256 === fingerprint,
  );

const exists = async (path: string) => (await transport.exec(cmd('test', '-e', path), { okExitCodes: [0, 1] })).code === 0;
const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

/** GET http://<hostHeader><path> on the test host's port 80. */
function getPath(hostHeader: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: host.address, port: 80, path, headers: { host: hostHeader }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

async function removeAppsFromHost() {
  for (const slug of SLUGS) {
    await transport.exec(ignoreFailure(cmd('certbot', 'delete', '--non-interactive', '--cert-name', `berth-${slug}`)));
    await transport.exec(
      cmd(
        'rm',
        '-rf',
        `/etc/nginx/sites-enabled/berth-${slug}.conf`,
        `/var/www/${slug}`,
        `/var/log/berth/${slug}`,
        `/etc/berth/tls/${slug}`,
        `/etc/cron.d/berth-${slug}_acme`,
        `/etc/cron.d/berth-${slug}-acme`,
        `/etc/cron.d/berth-${slug}`,
      ),
    );
    await transport.exec(ignoreFailure(cmd('userdel', slug)));
    await transport.exec(ignoreFailure(cmd('groupdel', slug)));
  }
  await transport.exec(cmd('nginx', '-s', 'reload'));
}

beforeAll(async () => {
  pebble = startPebble();
  pebbleCa = await pebbleRoot(pebble);
  // Pebble's resolver sends unknown names to the first bed's berth-host-1; this file may run on
  // another bed (scripts/test.mjs gives each integration worker its own), so name this host.
  for (const name of VALIDATED) await pointName(pebble, name, host.address);
  uploadCa = makeCa('Berth upload test CA');
  t = await createTestDb();
  const pinned = await pinnedTestServer(t.db, ring, 'berth-host-1', 'tls-test');
  serverId = pinned.server.id;
  transport = pinned.transport;
  await removeAppsFromHost();
  // Pebble forgets its accounts when it restarts; certbot would still use the one it registered before.
  await transport.exec(cmd('rm', '-rf', `/etc/letsencrypt/accounts/${new URL(pebble.directory).host}`));
});

afterAll(async () => {
  if (transport) await removeAppsFromHost();
  await closeAll();
  await t?.close();
  if (uploadCa) removeCa(uploadCa);
});

describe('TLS with certbot against Pebble', () => {
  let app: App;

  it('issues a certificate over HTTP-01 and serves HTTPS with it; HTTP redirects', async () => {
    app = await addApp('tlsacme', { mode: 'acme', acmeEmail: 'ops@tlsacme.test' });
    // Berth used to name the renewal file berth-<slug>-acme, which is app <slug>-acme's own cron file: configure removes it.
    const legacy = `# ${HEADER}\nSHELL=/bin/sh\n7 */12 * * * root 'env' 'REQUESTS_CA_BUNDLE=${pebble.listenerCa}' 'certbot' '-q' 'renew' '--cert-name' 'berth-tlsacme' '--no-random-sleep-on-renew'\n`;
    await transport.upload(legacy, '/etc/cron.d/berth-tlsacme-acme', { mode: 0o644 });
    const { run, tasks, tlsMs } = await configure(app);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(tasks.tls).toBe('changed');
    console.log(`certbot issue through the tls task: ${tlsMs} ms`);

    const row = (await acmeCertificate(t.db, app.id, serverId))!;
    expect(row.issuer).toMatch(/^Pebble Intermediate CA/);
    expect([...row.domains].sort()).toEqual(['tlsacme.test', 'www.tlsacme.test']);
    for (const name of ['tlsacme.test', 'www.tlsacme.test']) {
      // Rejects unless the chain leads to Pebble's root.
      const res = await servedOnceReloaded(name, pebbleCa, new X509Certificate(row.certificatePem).fingerprint256);
      expect(res.status).toBe(200);
      expect(res.body).toContain('tlsacme is configured by Berth');
      expect(res.cert.issuer.CN).toMatch(/^Pebble Intermediate CA/);
      expect(res.cert.fingerprint256).toBe(new X509Certificate(row.certificatePem).fingerprint256);
    }
    expect(
      (
        await eventually(
          () => getWithHost(host.address, 'tlsacme.test'),
          (res) => res.status === 301,
        )
      ).status,
    ).toBe(301);
    expect(await exists('/etc/cron.d/berth-tlsacme-acme')).toBe(false);
    const cron = (await transport.exec(cmd('cat', '/etc/cron.d/berth-tlsacme_acme'))).stdout;
    expect(cron).toContain(
      `root 'env' 'REQUESTS_CA_BUNDLE=${pebble.listenerCa}' 'certbot' '-q' 'renew' '--cert-name' 'berth-tlsacme' '--no-random-sleep-on-renew'`,
    );
  }, 90_000);

  it('a second configure keeps the certificate and changes nothing', async () => {
    const served = await httpsGet(host.address, 'tlsacme.test', pebbleCa);
    const { run, tasks } = await configure(app);
    expect(run.status).toBe('succeeded');
    expect(tasks).toMatchObject({ vhost: 'unchanged', tls: 'unchanged', services: 'unchanged' });
    expect((await httpsGet(host.address, 'tlsacme.test', pebbleCa)).cert.serialNumber).toBe(served.cert.serialNumber);
  }, 60_000);

  it('keeps the app user out of the ACME webroot, and nginx follows no link put in the challenge path', async () => {
    const webroot = appLayout('tlsacme').acmeWebroot;
    expect((await transport.exec(cmd('stat', '-c', '%U:%G:%a', webroot))).stdout.trim()).toBe('root:root:755');
    const write = await transport.exec(asUser('tlsacme', cmd('touch', `${webroot}/planted`)), { okExitCodes: [0, 1] });
    expect(write.code).toBe(1);
    // The app user owns /var/www/tlsacme, so it can still swap the webroot for a directory of its own:
    // what it serves there is its own business, but a link to something nginx can read is not followed.
    const challenge = `${webroot}/.well-known/acme-challenge`;
    await transport.exec(
      asUser(
        'tlsacme',
        and(
          cmd('mv', '-T', webroot, `${webroot}.old`),
          cmd('mkdir', '-p', challenge),
          cmd('ln', '-s', '/etc/nginx/nginx.conf', `${challenge}/leak`),
          cmd('cp', '/etc/hostname', `${challenge}/plain`),
        ),
      ),
    );
    try {
      expect((await getPath('tlsacme.test', '/.well-known/acme-challenge/plain')).status).toBe(200);
      const leak = await getPath('tlsacme.test', '/.well-known/acme-challenge/leak');
      expect(leak.status).toBe(403);
      expect(leak.body).not.toContain('worker_processes');
    } finally {
      await transport.exec(and(cmd('rm', '-rf', webroot), cmd('mv', '-T', `${webroot}.old`, webroot)));
    }
  }, 30_000);

  it('renews: a forced renewal gets a new serial, the deploy hook reloads nginx, configure records it', async () => {
    const before = (await httpsGet(host.address, 'tlsacme.test', pebbleCa)).cert.serialNumber;
    const renew = cmd('certbot', 'renew', '--cert-name', 'berth-tlsacme', '--force-renewal', '--no-random-sleep-on-renew');
    await transport.exec(env({ REQUESTS_CA_BUNDLE: pebble.listenerCa }, renew), { timeoutMs: 120_000 });
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await httpsGet(host.address, 'tlsacme.test', pebbleCa)).cert.serialNumber;
    }
    expect(after).not.toBe(before);
    expect((await configure(app)).tasks.tls).toBe('unchanged');
    expect(new X509Certificate((await acmeCertificate(t.db, app.id, serverId))!.certificatePem).serialNumber).toBe(after);
  }, 120_000);

  it('issues again for new domains, and when the server lost its certificate (HTTP until then, never a broken vhost)', async () => {
    const domains = ['tlsacme.test', 'www.tlsacme.test', 'shop.tlsacme.test'];
    await updateAppConfig(t.db, app.id, { ...app.config, domains });
    app = (await findApp(t.db, app.id))!;
    const grown = await configure(app);
    expect(grown.run.status).toBe('succeeded');
    expect(grown.tasks.tls).toBe('changed');
    const row = (await acmeCertificate(t.db, app.id, serverId))!;
    expect([...row.domains].sort()).toEqual([...domains].sort());
    const fingerprint = new X509Certificate(row.certificatePem).fingerprint256;
    expect((await servedOnceReloaded('shop.tlsacme.test', pebbleCa, fingerprint)).cert.fingerprint256).toBe(fingerprint);

    await transport.exec(cmd('certbot', 'delete', '--non-interactive', '--cert-name', 'berth-tlsacme'));
    const lost = await configure(app);
    expect(lost.run.status).toBe('succeeded');
    expect(lost.tasks).toMatchObject({ vhost: 'changed', tls: 'changed' });
    const again = new X509Certificate((await acmeCertificate(t.db, app.id, serverId))!.certificatePem).fingerprint256;
    expect(again).not.toBe(fingerprint);
    expect((await servedOnceReloaded('tlsacme.test', pebbleCa, again)).cert.fingerprint256).toBe(again);
  }, 90_000);

  it("fails at the tls task with certbot's message when Pebble cannot validate, and HTTP keeps serving", async () => {
    const bad = await addApp('tlsbad', { mode: 'acme' });
    await pointName(pebble, 'tlsbad.test', other.address); // Pebble asks berth-host-2, which has no such app
    try {
      const { run } = await configure(bad);
      expect(run.status).toBe('failed');
      expect(run.failedTask).toBe('tls');
      expect(run.error).toMatch(
        /^certbot could not get a certificate for tlsbad\.test, www\.tlsbad\.test from https:\/\/127\.0\.0\.1:14000\/dir:\n/,
      );
      expect(run.error).toMatch(/Domain: tlsbad\.test\n\s+Type:\s+unauthorized/);
    } finally {
      await pointName(pebble, 'tlsbad.test', host.address);
    }
    const http = await getWithHost(host.address, 'tlsbad.test');
    expect(http).toMatchObject({ status: 200 });
    expect(http.body).toContain('tlsbad is configured by Berth');
    expect((await transport.exec(cmd('cat', '/etc/nginx/sites-enabled/berth-tlsbad.conf'))).stdout).not.toContain(':443');
    expect(await acmeCertificate(t.db, bad.id, serverId)).toBeUndefined();
  }, 90_000);
});

describe('an uploaded certificate', () => {
  it('refuses a key that does not match, storing nothing; serves the uploaded pair; replaces it on re-upload', async () => {
    const app = await addApp('tlsup', { mode: 'uploaded' });
    const first = issue(uploadCa, ['tlsup.test', 'www.tlsup.test']);
    const second = issue(uploadCa, ['tlsup.test', 'www.tlsup.test'], { rsa: true });
    const mismatch = saveUploadedCertificate(t.db, ring, app, { certificate: first.certPem, key: second.keyPem });
    await expect(mismatch).rejects.toMatchObject({
      fieldErrors: { key: ['This key does not belong to the certificate: their public keys differ.'] },
    });
    expect(await uploadedCertificate(t.db, app.id)).toBeUndefined();

    await saveUploadedCertificate(t.db, ring, app, { certificate: first.certPem + uploadCa.certPem, key: first.keyPem });
    const row = (await uploadedCertificate(t.db, app.id))!;
    expect(row.sealedKey).not.toContain('PRIVATE KEY');
    expect(open(ring, row.sealedKey!, certificateKeyAad(app.id))).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await configure(app)).run.status).toBe('succeeded');
    const firstFingerprint = new X509Certificate(first.certPem).fingerprint256;
    const served = await servedOnceReloaded('www.tlsup.test', uploadCa.certPem, firstFingerprint);
    expect(served.cert.fingerprint256).toBe(firstFingerprint);
    expect(served.body).toContain('tlsup is configured by Berth');
    const modes = (
      await transport.exec(cmd('stat', '-c', '%a %U:%G %n', '/etc/berth/tls/tlsup/fullchain.pem', '/etc/berth/tls/tlsup/privkey.pem'))
    ).stdout;
    expect(modes).toBe('644 root:root /etc/berth/tls/tlsup/fullchain.pem\n600 root:root /etc/berth/tls/tlsup/privkey.pem\n');

    // A bad re-upload leaves the stored pair as it was; a good one replaces it, and configure serves it.
    await expect(saveUploadedCertificate(t.db, ring, app, { certificate: second.certPem, key: first.keyPem })).rejects.toThrow(
      /not accepted/,
    );
    expect((await uploadedCertificate(t.db, app.id))!.id).toBe(row.id);
    await saveUploadedCertificate(t.db, ring, app, { certificate: second.certPem, key: second.keyPem });
    const again = await configure(app);
    expect(again.tasks).toMatchObject({ vhost: 'unchanged', tls: 'changed', services: 'changed' });
    const secondFingerprint = new X509Certificate(second.certPem).fingerprint256;
    expect((await servedOnceReloaded('tlsup.test', uploadCa.certPem, secondFingerprint)).cert.fingerprint256).toBe(secondFingerprint);
  }, 90_000);
});

describe('switching TLS modes and roles', () => {
  it('keeps the uploaded certificate until certbot succeeds, then removes its key; leaving ACME deletes the lineage; a worker-only server keeps no key', async () => {
    // App tlsmove-acme's own cron file has tlsmove's old renewal name: it must survive all of this.
    const neighbour = renderCron({
      slug: 'tlsmove-acme',
      user: 'tlsmove-acme',
      directory: appLayout('tlsmove-acme').current,
      entries: [{ schedule: '0 3 * * *', argv: ['true'] }],
    });
    await transport.upload(neighbour, '/etc/cron.d/berth-tlsmove-acme', { mode: 0o644 });
    let app = await addApp('tlsmove', { mode: 'uploaded' });
    const setMode = async (mode: string) => {
      await updateAppConfig(t.db, app.id, appConfigInput.parse({ ...app.config, tls: { mode } }));
      app = (await findApp(t.db, app.id))!;
    };
    const upload = issue(uploadCa, ['tlsmove.test', 'www.tlsmove.test']);
    await saveUploadedCertificate(t.db, ring, app, { certificate: upload.certPem, key: upload.keyPem });
    expect((await configure(app)).run.status).toBe('succeeded');
    const uploaded = fingerprintOf(upload.certPem);
    expect((await servedOnceReloaded('tlsmove.test', uploadCa.certPem, uploaded)).cert.fingerprint256).toBe(uploaded);

    // uploaded -> acme, and the CA cannot validate: the site stays on HTTPS with the upload.
    await setMode('acme');
    await pointName(pebble, 'tlsmove.test', other.address);
    try {
      const failed = await configure(app);
      expect(failed.run.failedTask).toBe('tls');
    } finally {
      await pointName(pebble, 'tlsmove.test', host.address);
    }
    expect((await httpsGet(host.address, 'tlsmove.test', uploadCa.certPem)).cert.fingerprint256).toBe(uploaded);
    expect((await transport.exec(cmd('cat', appLayout('tlsmove').vhostPath))).stdout).toContain(
      'ssl_certificate /etc/berth/tls/tlsmove/fullchain.pem;',
    );

    // It validates now: certbot's certificate is served, the uploaded key leaves the server, its sealed row stays.
    const switched = await configure(app);
    expect(switched.run.error).toBeNull();
    const issued = fingerprintOf((await acmeCertificate(t.db, app.id, serverId))!.certificatePem);
    expect((await servedOnceReloaded('tlsmove.test', pebbleCa, issued)).cert.fingerprint256).toBe(issued);
    expect(await exists('/etc/berth/tls/tlsmove')).toBe(false);
    expect(await uploadedCertificate(t.db, app.id)).toBeDefined();
    expect(await exists('/etc/cron.d/berth-tlsmove_acme')).toBe(true);

    // acme -> uploaded: the upload is served again; the lineage stops renewing and goes, with its record.
    await setMode('uploaded');
    const back = await configure(app);
    expect(back.run.error).toBeNull();
    expect((await servedOnceReloaded('tlsmove.test', uploadCa.certPem, uploaded)).cert.fingerprint256).toBe(uploaded);
    for (const path of [
      '/etc/letsencrypt/renewal/berth-tlsmove.conf',
      '/etc/letsencrypt/live/berth-tlsmove',
      '/etc/letsencrypt/archive/berth-tlsmove',
      '/etc/cron.d/berth-tlsmove_acme',
    ]) {
      expect(await exists(path), path).toBe(false);
    }
    expect(await acmeCertificate(t.db, app.id, serverId)).toBeUndefined();
    expect(await exists('/etc/berth/tls/tlsmove/privkey.pem')).toBe(true);

    // The web role goes: no vhost, and no private key left behind.
    await upsertPlacements(t.db, app.id, [{ serverId, roles: ['worker'] }]);
    const worker = await configure(app);
    expect(worker.run.error).toBeNull();
    expect(worker.tasks).toMatchObject({ vhost: 'changed', tls: 'changed' });
    expect(await exists(appLayout('tlsmove').vhostPath)).toBe(false);
    expect(await exists('/etc/berth/tls/tlsmove')).toBe(false);
    expect((await transport.exec(cmd('cat', '/etc/cron.d/berth-tlsmove-acme'))).stdout).toBe(neighbour);
  }, 120_000);
});

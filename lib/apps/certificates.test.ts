import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { acmeCertificate, putCertificate, uploadedCertificate } from '@/db/queries/certificates';
import type { App, Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { issue, makeCa, removeCa } from '@/test-support/tls-fixtures';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { createServer } from '@/lib/servers/create';
import { recordTlsOutcome, saveUploadedCertificate, tlsContextFor } from './certificates';
import { appConfigInput } from '@/lib/model/app-config';

// Storing uploaded certificates and building the TLS part of a configure context, on a real database.
let t: TestDb;
let server: Server;
const ring = parseKeyRing(generateKeyText(1));
const ca = makeCa('Store Test CA');
const acme = { directory: 'https://acme.test/dir', caBundle: undefined };

const app = (slug: string, mode: 'acme' | 'uploaded') =>
  insertApp(t.db, { slug, name: slug, config: appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.test`], tls: { mode } }) }, [
    { serverId: server.id, roles: ['web'] },
  ]);

beforeAll(async () => {
  t = await createTestDb();
  server = await createServer(t.db, ring, { name: 'web-1', host: '127.0.0.1', port: 22, username: 'root', bindAddress: null });
});
afterAll(async () => {
  await t.close();
  removeCa(ca);
});

describe('uploaded certificates', () => {
  let shop: App;
  beforeAll(async () => {
    shop = await app('shop', 'uploaded');
  });

  it('stores nothing for an expired certificate or a garbage key, and says why per field', async () => {
    const expired = issue(ca, ['shop.test'], { start: '20200101000000Z', end: '20200201000000Z' });
    await expect(saveUploadedCertificate(t.db, ring, shop, { certificate: expired.certPem, key: expired.keyPem })).rejects.toMatchObject({
      fieldErrors: { certificate: ['The certificate expired on 2020-02-01.'] },
    });
    const good = issue(ca, ['shop.test']);
    await expect(saveUploadedCertificate(t.db, ring, shop, { certificate: good.certPem, key: 'not a key' })).rejects.toMatchObject({
      fieldErrors: { key: [expect.stringMatching(/^Paste the private key/)] },
    });
    expect(await uploadedCertificate(t.db, shop.id)).toBeUndefined();
    expect(await tlsContextFor(t.db, shop, server.id, { ring })).toEqual({}); // nothing to serve: HTTP only
  });

  it('seals the key to the app; only the job (with the key ring) gets it opened', async () => {
    const good = issue(ca, ['shop.test']);
    const info = await saveUploadedCertificate(t.db, ring, shop, { certificate: good.certPem, key: good.keyPem });
    expect(info).toMatchObject({ domains: ['shop.test'], issuer: 'Store Test CA' });
    const paths = { certificate: '/etc/berth/tls/shop/fullchain.pem', key: '/etc/berth/tls/shop/privkey.pem' };
    expect(await tlsContextFor(t.db, shop, server.id, {})).toEqual({ tlsPaths: paths });
    const withKey = await tlsContextFor(t.db, shop, server.id, { ring });
    expect(withKey.uploadedCertificate?.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(withKey.uploadedCertificate?.certificatePem).toBe(good.certPem.replace(/\n?$/, '\n'));

    // Moved to another app's row, the sealed key does not open.
    const other = await app('other', 'uploaded');
    const { id: _id, createdAt: _at, ...row } = (await uploadedCertificate(t.db, shop.id))!;
    await putCertificate(t.db, { ...row, appId: other.id });
    await expect(tlsContextFor(t.db, other, server.id, { ring })).rejects.toThrow(/does not open/);
  });
});

describe('ACME certificates', () => {
  it('render HTTPS at once only when one was recorded on that server, and carry the ACME settings', async () => {
    const blog = await app('blog', 'acme');
    expect(await tlsContextFor(t.db, blog, server.id, { acme })).toEqual({ acme: { directory: 'https://acme.test/dir' } });
    const leaf = issue(ca, ['blog.test']);
    await putCertificate(t.db, {
      appId: blog.id,
      serverId: server.id,
      source: 'acme',
      certificatePem: leaf.certPem,
      sealedKey: null,
      domains: ['blog.test'],
      issuer: 'x',
      notAfter: new Date(),
    });
    expect(await tlsContextFor(t.db, blog, server.id, { acme: { ...acme, caBundle: '/etc/ca.pem' } })).toEqual({
      tlsPaths: { certificate: '/etc/letsencrypt/live/berth-blog/fullchain.pem', key: '/etc/letsencrypt/live/berth-blog/privkey.pem' },
      acme: { directory: 'https://acme.test/dir', caBundle: '/etc/ca.pem' },
    });
  });
});

describe('after a configure run', () => {
  it("drops a server's ACME record once its lineage is gone, and keeps the sealed upload and other servers' records", async () => {
    const news = await app('press', 'acme');
    const other = await createServer(t.db, ring, { name: 'web-2', host: '127.0.0.2', port: 22, username: 'root', bindAddress: null });
    const leaf = issue(ca, ['press.test']);
    await recordTlsOutcome(t.db, news.id, server.id, { servedAcmeCertificate: leaf.certPem });
    await recordTlsOutcome(t.db, news.id, other.id, { servedAcmeCertificate: leaf.certPem });
    await saveUploadedCertificate(t.db, ring, news, { certificate: leaf.certPem, key: leaf.keyPem });
    expect(await acmeCertificate(t.db, news.id, server.id)).toBeDefined();

    await recordTlsOutcome(t.db, news.id, server.id, { acmeCertificateGone: true });
    expect(await acmeCertificate(t.db, news.id, server.id)).toBeUndefined();
    expect(await acmeCertificate(t.db, news.id, other.id)).toBeDefined();
    expect(await uploadedCertificate(t.db, news.id)).toBeDefined();
  });
});

import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { issue, makeCa, removeCa } from '@/test-support/tls-fixtures';
import { CertificateInputError, uncoveredDomains, validateUpload } from './certificate-pem';

// Real certificates and keys, made by openssl for this file.
const ca = makeCa('Upload Test CA');
const good = issue(ca, ['shop.test', 'www.shop.test']);
const other = issue(ca, ['shop.test']);
const rsa = issue(ca, ['shop.test'], { rsa: true });
const wildcard = issue(ca, ['*.shop.test']);
const expired = issue(ca, ['shop.test'], { start: '20200101000000Z', end: '20200201000000Z' });
const future = issue(ca, ['shop.test'], { start: '20980101000000Z', end: '20990101000000Z' });
const domains = ['shop.test', 'www.shop.test'];
afterAll(() => removeCa(ca));

function refusal(chain: string, key: string, names = domains) {
  try {
    validateUpload(chain, key, names);
  } catch (err) {
    if (err instanceof CertificateInputError) return err.fieldErrors;
    throw err;
  }
  throw new Error('accepted');
}

describe('an uploaded certificate and key', () => {
  it('accepts a matching pair, leaf first with its issuer, and reports what it is', () => {
    const { chainPem, keyPem, info } = validateUpload(`${good.certPem}${ca.certPem}`, good.keyPem, domains);
    expect(chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/); // normalized to PKCS#8
    expect(info.domains).toEqual(['shop.test', 'www.shop.test']);
    expect(info.issuer).toBe('Upload Test CA');
    expect(info.fingerprint256).toBe(new X509Certificate(good.certPem).fingerprint256);
    expect(info.notAfter.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('accepts an RSA key in its traditional PEM form, and text around the blocks', () => {
    expect(() => validateUpload(`subject=CN = shop.test\n${rsa.certPem}`, `Bag Attributes\n${rsa.keyPem}`, ['shop.test'])).not.toThrow();
  });

  it('refuses garbage in either field, with one message per field', () => {
    expect(refusal('hello', 'world')).toEqual({
      certificate: ['Paste the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.'],
      key: ['Paste the private key in PEM form, starting with -----BEGIN PRIVATE KEY-----.'],
    });
    const damaged = good.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(refusal(damaged, good.keyPem).certificate).toEqual([
      'Certificate 1 of the chain is not a valid certificate (damaged or not PEM).',
    ]);
    const damagedKey = good.keyPem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    expect(refusal(good.certPem, damagedKey).key).toEqual(['This is not a private key Berth can read (damaged, or not PEM).']);
  });

  it('refuses a key that belongs to another certificate', () => {
    expect(refusal(good.certPem, other.keyPem)).toEqual({
      key: ['This key does not belong to the certificate: their public keys differ.'],
    });
  });

  it('refuses swapped fields without echoing the key', () => {
    const errors = refusal(good.keyPem, good.certPem);
    expect(errors.certificate![0]).toMatch(/holds a private key/);
    expect(errors.key![0]).toMatch(/holds a certificate/);
    expect(JSON.stringify(errors)).not.toContain(good.keyPem.split('\n')[1]);
  });

  it('refuses an expired certificate and one not yet valid, naming the date', () => {
    expect(refusal(expired.certPem, expired.keyPem, ['shop.test'])).toEqual({ certificate: ['The certificate expired on 2020-02-01.'] });
    expect(refusal(future.certPem, future.keyPem, ['shop.test'])).toEqual({
      certificate: ['The certificate is not valid before 2098-01-01.'],
    });
  });

  it('refuses a chain in the wrong order', () => {
    expect(refusal(`${ca.certPem}${good.certPem}`, good.keyPem).certificate).toContain(
      'Certificate 2 did not issue certificate 1: put the server certificate first, then each intermediate in order.',
    );
  });

  it('names the app domains the certificate does not cover; a wildcard covers one level', () => {
    expect(refusal(other.certPem, other.keyPem)).toEqual({
      certificate: ['The certificate does not cover www.shop.test (it is for shop.test).'],
    });
    expect(uncoveredDomains(new X509Certificate(wildcard.certPem), ['www.shop.test', 'a.b.shop.test', 'shop.test'])).toEqual([
      'a.b.shop.test',
      'shop.test',
    ]);
  });

  it('refuses a passphrase-protected key', () => {
    const encrypted = `-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    expect(refusal(good.certPem, encrypted).key![0]).toMatch(/passphrase/);
  });
});

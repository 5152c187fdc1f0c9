import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * Reading certificates and keys in PEM form, with node:crypto only. Used at the edge (an
 * uploaded pair) and after certbot (what a server now serves). Messages never quote key material.
 */
export type CertificateInfo = {
  domains: string[];
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  serial: string;
  fingerprint256: string;
};

export type CertificateFieldErrors = { certificate?: string[]; key?: string[] };

/** Bad input for the upload form, per field. */
export class CertificateInputError extends Error {
  override name = 'CertificateInputError';
  constructor(readonly fieldErrors: CertificateFieldErrors) {
    super(Object.values(fieldErrors).flat().join(' '));
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: `${m[0]}\n` }));
}

/** The DNS names a certificate is for: its SAN entries, or its CN when it has none. */
function dnsNames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (sans.length) return sans;
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** "Pebble Intermediate CA 1a2b3c" or "R11 (Let's Encrypt)": the CN, with the organization when there is one. */
function issuerName(cert: X509Certificate): string {
  const field = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(cert.issuer)?.[1];
  const cn = field('CN');
  const o = field('O');
  return cn && o && !cn.includes(o) ? `${cn} (${o})` : (cn ?? o ?? cert.issuer.replace(/\n/g, ', '));
}

export function certificateInfo(cert: X509Certificate): CertificateInfo {
  return {
    domains: dnsNames(cert),
    issuer: issuerName(cert),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    serial: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
}

/** The certificates of a PEM chain, leaf first; empty when the text holds none or one does not parse. */
export function parseChain(text: string): X509Certificate[] {
  try {
    return pemBlocks(text)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => new X509Certificate(b.pem));
  } catch {
    return [];
  }
}

/** Which of the app's domains the certificate does not cover (wildcards count, as browsers count them). */
export function uncoveredDomains(cert: X509Certificate, domains: string[]): string[] {
  return domains.filter((d) => !cert.checkHost(d));
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function chainProblems(text: string, now: Date): { chain: X509Certificate[]; errors: string[] } {
  const blocks = pemBlocks(text);
  if (blocks.some((b) => b.label.endsWith('PRIVATE KEY')))
    return { chain: [], errors: ['This field holds a private key: paste it into the key field, and the certificate here.'] };
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) return { chain: [], errors: ['Paste the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.'] };
  const chain: X509Certificate[] = [];
  for (const [i, b] of certs.entries()) {
    try {
      chain.push(new X509Certificate(b.pem));
    } catch {
      return { chain: [], errors: [`Certificate ${i + 1} of the chain is not a valid certificate (damaged or not PEM).`] };
    }
  }
  const errors: string[] = [];
  for (const [i, cert] of chain.entries()) {
    const what = i === 0 ? 'The certificate' : `Chain certificate ${i + 1}`;
    if (new Date(cert.validTo) < now) errors.push(`${what} expired on ${day(new Date(cert.validTo))}.`);
    else if (new Date(cert.validFrom) > now) errors.push(`${what} is not valid before ${day(new Date(cert.validFrom))}.`);
    const next = chain[i + 1];
    if (next && !cert.checkIssued(next))
      errors.push(
        `Certificate ${i + 2} did not issue certificate ${i + 1}: put the server certificate first, then each intermediate in order.`,
      );
  }
  return { chain, errors };
}

function readKey(text: string): { key?: KeyObject; errors: string[] } {
  const blocks = pemBlocks(text).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (blocks.length === 0) {
    const isCert = pemBlocks(text).some((b) => b.label === 'CERTIFICATE');
    return {
      errors: [
        isCert
          ? 'This field holds a certificate: paste the private key here.'
          : 'Paste the private key in PEM form, starting with -----BEGIN PRIVATE KEY-----.',
      ],
    };
  }
  if (blocks.length > 1) return { errors: ['Paste exactly one private key.'] };
  const block = blocks[0]!;
  if (block.label.includes('ENCRYPTED') || /Proc-Type: 4,ENCRYPTED/.test(block.pem)) {
    return { errors: ['This key is protected by a passphrase, which nginx would ask for at every start: paste the unencrypted key.'] };
  }
  try {
    return { key: createPrivateKey(block.pem), errors: [] };
  } catch {
    return { errors: ['This is not a private key Berth can read (damaged, or not PEM).'] };
  }
}

/**
 * Checks an uploaded chain and key together: both parse, the chain is in order and in date,
 * the key belongs to the leaf, and the leaf covers every app domain. Returns the normalized
 * PEM (chain re-encoded, key as PKCS#8) or throws every problem at once, per field.
 */
export function validateUpload(
  chainText: string,
  keyText: string,
  domains: string[],
  now = new Date(),
): { chainPem: string; keyPem: string; info: CertificateInfo } {
  const { chain, errors: certificate } = chainProblems(chainText, now);
  const { key, errors: keyErrors } = readKey(keyText);
  const leaf = chain[0];
  if (leaf && key && !leaf.checkPrivateKey(key)) keyErrors.push('This key does not belong to the certificate: their public keys differ.');
  if (leaf) {
    const missing = uncoveredDomains(leaf, domains);
    if (missing.length)
      certificate.push(`The certificate does not cover ${missing.join(', ')} (it is for ${dnsNames(leaf).join(', ') || 'no DNS name'}).`);
  }
  if (certificate.length || keyErrors.length || !leaf || !key) {
    throw new CertificateInputError({ ...(certificate.length > 0 && { certificate }), ...(keyErrors.length > 0 && { key: keyErrors }) });
  }
  return {
    chainPem: chain.map((c) => c.toString()).join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    info: certificateInfo(leaf),
  };
}

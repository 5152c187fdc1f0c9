import type { Db } from '@/db';
import { acmeCertificate, deleteAcmeCertificate, putCertificate, uploadedCertificate } from '@/db/queries/certificates';
import type { App } from '@/db/schema';
import { certificateKeyAad } from '@/db/sealed-aad';
import { ActionError } from '@/lib/auth/action-core';
import type { AcmeSettings } from '@/lib/config/env';
import { open, seal, type KeyRing } from '@/lib/crypto';
import type { ConfigureContext } from '@/lib/recipes/configure';
import { CertificateInputError, certificateInfo, parseChain, validateUpload, type CertificateInfo } from '@/lib/model/certificate-pem';
import { acmePaths, uploadedPaths } from '@/lib/plan/tls-paths';

/**
 * Checks an uploaded chain and key against the app (see validateUpload), seals the key and
 * replaces the app's uploaded certificate. Nothing is stored when any check fails.
 */
export async function saveUploadedCertificate(
  db: Db,
  ring: KeyRing,
  app: App,
  input: { certificate: string; key: string },
  now = new Date(),
): Promise<CertificateInfo> {
  let valid: ReturnType<typeof validateUpload>;
  try {
    valid = validateUpload(input.certificate, input.key, app.config.domains, now);
  } catch (err) {
    if (err instanceof CertificateInputError) throw new ActionError('The certificate was not accepted: see the fields.', err.fieldErrors);
    throw err;
  }
  const { info } = valid;
  await putCertificate(db, {
    appId: app.id,
    serverId: null,
    source: 'uploaded',
    certificatePem: valid.chainPem,
    sealedKey: seal(ring, valid.keyPem, certificateKeyAad(app.id)),
    domains: info.domains,
    issuer: info.issuer,
    notAfter: info.notAfter,
  });
  return info;
}

/** Records what certbot left on a server (after a successful configure), when it differs from the last record. */
export async function recordAcmeCertificate(db: Db, appId: string, serverId: string, pem: string): Promise<void> {
  if ((await acmeCertificate(db, appId, serverId))?.certificatePem === pem) return;
  const leaf = parseChain(pem)[0];
  if (!leaf) throw new Error('The certificate certbot left on the server does not parse.');
  const info = certificateInfo(leaf);
  await putCertificate(db, {
    appId,
    serverId,
    source: 'acme',
    certificatePem: pem,
    sealedKey: null,
    domains: info.domains,
    issuer: info.issuer,
    notAfter: info.notAfter,
  });
}

/**
 * What a configure run left on the server, in the database: the certificate certbot serves
 * there, or no record once the app is not served with ACME there (lineage deleted). The
 * uploaded row stays whatever the mode: it is sealed, and switching back needs no new upload.
 */
export async function recordTlsOutcome(
  db: Db,
  appId: string,
  serverId: string,
  ctx: Pick<ConfigureContext, 'servedAcmeCertificate' | 'acmeCertificateGone'>,
): Promise<void> {
  if (ctx.servedAcmeCertificate) await recordAcmeCertificate(db, appId, serverId, ctx.servedAcmeCertificate);
  if (ctx.acmeCertificateGone) await deleteAcmeCertificate(db, appId, serverId);
}

type TlsContext = Pick<ConfigureContext, 'tlsPaths' | 'acme' | 'uploadedCertificate'>;

/**
 * The TLS part of a configure context. tlsPaths is set when a certificate already exists, so a
 * re-configure renders HTTPS at once and issues nothing. The uploaded key is opened only with
 * the key ring (the job), and only in memory.
 */
export async function tlsContextFor(
  db: Db,
  app: App,
  serverId: string,
  opts: { ring?: KeyRing; acme?: AcmeSettings },
): Promise<TlsContext> {
  const { slug, tls } = app.config;
  if (tls.mode === 'acme') {
    const recorded = await acmeCertificate(db, app.id, serverId);
    const acme = opts.acme && { directory: opts.acme.directory, ...(opts.acme.caBundle && { caBundle: opts.acme.caBundle }) };
    return { ...(recorded && { tlsPaths: acmePaths(slug) }), ...(acme && { acme }) };
  }
  if (tls.mode === 'uploaded') {
    const row = await uploadedCertificate(db, app.id);
    if (!row?.sealedKey) return {};
    const { certificate, key } = uploadedPaths(slug);
    const keyPem = opts.ring && open(opts.ring, row.sealedKey, certificateKeyAad(app.id));
    return { tlsPaths: { certificate, key }, ...(keyPem && { uploadedCertificate: { certificatePem: row.certificatePem, keyPem } }) };
  }
  return {};
}

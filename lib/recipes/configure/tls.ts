import { certificateInfo, parseChain } from '@/lib/apps/certificate-pem';
import { acmePaths, uploadedPaths } from '@/lib/apps/tls-paths';
import { and, cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { ensureFile } from '../provision/managed-file';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { vhostFile } from './desired-files';
import { ensureRenewalCron, obtainAcmeCertificate } from './tls-acme';
import { placeUploadedCertificate } from './tls-uploaded';

/**
 * The vhost may only name certificate files that exist (nginx -t refuses the rest): a server
 * that lost them (reinstalled, files deleted) gets HTTP from the vhost task, and the tls task
 * then puts a certificate back and switches to HTTPS.
 */
export async function dropMissingTlsPaths(ctx: ConfigureContext, transport: Transport, log: (line: string) => void): Promise<void> {
  const paths = ctx.tlsPaths;
  if (!paths || !ctx.roles.includes('web')) return;
  const present = await transport.exec(and(cmd('test', '-s', paths.certificate), cmd('test', '-s', paths.key)), { okExitCodes: [0, 1] });
  if (present.code === 0) return;
  log(`${paths.certificate} is not on this server yet: HTTP only until the tls task installs it`);
  ctx.tlsPaths = undefined;
}

/**
 * HTTPS for the app on a web server: a certificate from certbot (HTTP-01 through the vhost's
 * ACME location) or the uploaded one, then the vhost again with the HTTPS server block,
 * validated by nginx -t and put back if that fails. A failure leaves the HTTP vhost serving.
 */
export const tls: Task<ConfigureContext> = {
  name: 'tls',
  async run(ctx, io) {
    const { app } = ctx;
    if (!ctx.roles.includes('web')) return unchanged('not a web server for this app');
    if (app.tls.mode === 'none') return unchanged('TLS off: HTTP only');
    let pem: string;
    let filesChanged: boolean;
    let how: string;
    let renewalChanged = false;
    if (app.tls.mode === 'acme') {
      const got = await obtainAcmeCertificate(ctx, io);
      renewalChanged = await ensureRenewalCron(ctx, io);
      ctx.servedAcmeCertificate = got.pem;
      ctx.tlsPaths = acmePaths(app.slug);
      pem = got.pem;
      filesChanged = got.issued;
      how = [got.issued ? 'issued by certbot' : 'certbot certificate kept', renewalChanged && 'renewal cron line written'].filter(Boolean).join(', ');
    } else {
      filesChanged = await placeUploadedCertificate(ctx, io);
      const { certificate, key } = uploadedPaths(app.slug);
      ctx.tlsPaths = { certificate, key };
      pem = ctx.uploadedCertificate!.certificatePem;
      how = filesChanged ? 'uploaded certificate installed' : 'uploaded certificate in place';
    }
    const vhost = vhostFile(ctx);
    const vhostChanged = await ensureFile(io.transport, vhost.path, vhost.content!, { mode: vhost.mode, validate: vhost.validate, log: io.log });
    if (filesChanged || vhostChanged) ctx.reload.add('nginx');
    const leaf = parseChain(pem)[0];
    const info = leaf && certificateInfo(leaf);
    const summary = `HTTPS: ${how}${info ? ` (${info.issuer}, valid until ${info.notAfter.toISOString().slice(0, 10)})` : ''}`;
    return filesChanged || vhostChanged || renewalChanged ? changed(summary) : unchanged(summary);
  },
};

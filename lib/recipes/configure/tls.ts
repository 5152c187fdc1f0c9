import { certificateInfo, parseChain } from '@/lib/model/certificate-pem';
import { acmePaths, uploadedPaths } from '@/lib/plan/tls-paths';
import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { ensureFile } from '../provision/managed-file';
import { changed, unchanged, type Task, type TaskIO, type TaskOutcome } from '../task';
import type { ConfigureContext } from './context';
import { planAppOnServer } from '@/lib/plan';
import { ensureRenewalCron, obtainAcmeCertificate } from './tls-acme';
import { removeUnusedTls, servedMode } from './tls-cleanup';
import { placeUploadedCertificate } from './tls-uploaded';

/**
 * The certificate the vhost task may name. nginx -t refuses files that do not exist, so: the one
 * this run wants when it is on the server; else the one the server has from the other mode, so
 * that a mode switch keeps HTTPS until the tls task has the new certificate (and keeps it if
 * that fails); else HTTP only (a server reinstalled, files deleted), until the tls task puts a
 * certificate there and switches the vhost to it.
 */
export async function settleTlsPaths(ctx: ConfigureContext, transport: Transport, log: (line: string) => void): Promise<void> {
  const mode = servedMode(ctx);
  if (mode === 'none') {
    ctx.tlsPaths = undefined;
    return;
  }
  const { certificate, key } = uploadedPaths(ctx.app.slug);
  const own = mode === 'acme' ? [acmePaths(ctx.app.slug), { certificate, key }] : [{ certificate, key }, acmePaths(ctx.app.slug)];
  const candidates = [...(ctx.tlsPaths ? [ctx.tlsPaths] : []), ...own].filter(
    (p, i, all) => all.findIndex((q) => q.certificate === p.certificate) === i,
  );
  const files = candidates.flatMap((p) => [p.certificate, p.key]);
  const stat = await transport.exec(cmd('stat', '-L', '-c', '%s %n', ...files), { okExitCodes: [0, 1] });
  const nonEmpty = new Set(
    stat.stdout
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([size]) => Number(size) > 0)
      .map(([, path]) => path),
  );
  const present = candidates.find((p) => nonEmpty.has(p.certificate) && nonEmpty.has(p.key));
  const wanted = ctx.tlsPaths ?? own[0]!;
  if (present !== candidates[0])
    log(
      `${wanted.certificate} is not on this server yet: ${present ? `the vhost keeps ${present.certificate}` : 'HTTP only'} until the tls task installs it`,
    );
  ctx.tlsPaths = present;
}

/** A certificate from certbot or the uploaded one on the server, then the vhost again naming it (nginx -t, put back on failure). */
async function serveHttps(ctx: ConfigureContext, io: TaskIO, mode: 'acme' | 'uploaded'): Promise<TaskOutcome> {
  const { app } = ctx;
  let pem: string;
  let filesChanged: boolean;
  let how: string;
  let renewalChanged = false;
  if (mode === 'acme') {
    const got = await obtainAcmeCertificate(ctx, io);
    renewalChanged = await ensureRenewalCron(ctx, io);
    ctx.servedAcmeCertificate = got.pem;
    ctx.tlsPaths = acmePaths(app.slug);
    pem = got.pem;
    filesChanged = got.issued;
    how = [got.issued ? 'issued by certbot' : 'certbot certificate kept', renewalChanged && 'renewal cron line written']
      .filter(Boolean)
      .join(', ');
  } else {
    filesChanged = await placeUploadedCertificate(ctx, io);
    const { certificate, key } = uploadedPaths(app.slug);
    ctx.tlsPaths = { certificate, key };
    pem = ctx.uploadedCertificate!.certificatePem;
    how = filesChanged ? 'uploaded certificate installed' : 'uploaded certificate in place';
  }
  const { vhost } = planAppOnServer(ctx);
  const vhostChanged = await ensureFile(io.transport, vhost.path, vhost.content!, {
    mode: vhost.mode,
    validate: vhost.validate,
    log: io.log,
  });
  if (filesChanged || vhostChanged) ctx.reload.add('nginx');
  const leaf = parseChain(pem)[0];
  const info = leaf && certificateInfo(leaf);
  const summary = `HTTPS: ${how}${info ? ` (${info.issuer}, valid until ${info.notAfter.toISOString().slice(0, 10)})` : ''}`;
  return filesChanged || vhostChanged || renewalChanged ? changed(summary) : unchanged(summary);
}

/**
 * HTTPS for the app on a web server: a certificate from certbot (HTTP-01 through the vhost's
 * ACME location) or the uploaded one, served by the vhost. Only then is what another mode or
 * role left removed (tls-cleanup.ts). A failure leaves the vhost serving what it served.
 */
export const tls: Task<ConfigureContext> = {
  name: 'tls',
  async run(ctx, io) {
    const mode = servedMode(ctx);
    const served =
      mode === 'none'
        ? unchanged(ctx.roles.includes('web') ? 'TLS off: HTTP only' : 'not a web server for this app')
        : await serveHttps(ctx, io, mode);
    const removed = await removeUnusedTls(ctx, io);
    return removed.length === 0 ? served : changed(`${served.summary}; removed ${removed.join(', ')}`);
  },
};

import { acmeCertName, acmeRenewalConfPath, acmeRenewalCronPath, legacyAcmeRenewalCronPath, uploadedPaths } from '@/lib/plan/tls-paths';
import { cmd, render } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { HEADER } from '@/lib/templates/directive';
import { ensureAbsent } from '../provision/managed-file';
import type { TaskIO } from '../task';
import type { ConfigureContext } from './context';

/** The TLS mode this server serves the app with: none where it is not a web server for it. */
export const servedMode = (ctx: ConfigureContext) => (ctx.roles.includes('web') ? ctx.app.tls.mode : 'none');

/** Which of these paths exist on the server (symlinks followed), in one round trip. */
export async function existingPaths(transport: Transport, paths: string[]): Promise<Set<string>> {
  const result = await transport.exec(cmd('stat', '-L', '-c', '%n', ...paths), { okExitCodes: [0, 1] });
  return new Set(result.stdout.split('\n').filter((line) => paths.includes(line)));
}

/**
 * True for the renewal file Berth wrote under its old name. That name is also app
 * `<slug>-acme`'s own cron file, which is told apart by its lines: an app's run as its user,
 * never root (a reserved slug), and the renewal line runs certbot for this lineage as root.
 */
export function isLegacyRenewalCron(content: string, slug: string): boolean {
  const renew = ` ${render(cmd('certbot', '-q', 'renew', '--cert-name', acmeCertName(slug)))} `;
  const [first, ...lines] = content.split('\n');
  return first === `# ${HEADER}` && lines.some((line) => /^(\S+ ){5}root /.test(line) && `${line} `.includes(renew));
}

async function removeLegacyRenewalCron(ctx: ConfigureContext, { transport, log }: TaskIO): Promise<boolean> {
  const path = legacyAcmeRenewalCronPath(ctx.app.slug);
  const content = await transport.exec(cmd('cat', path), { okExitCodes: [0, 1] });
  if (content.code !== 0 || !isLegacyRenewalCron(content.stdout, ctx.app.slug)) return false;
  await transport.exec(cmd('rm', '-f', path));
  log(`removed ${path} (the renewal file's old name)`);
  return true;
}

/**
 * Takes away what a mode or role this server no longer has left behind: the uploaded key
 * (unless it serves the uploaded certificate), and unless it serves ACME, the renewal cron
 * file and the certbot lineage (so it stops renewing, and its key goes). The sealed upload in
 * the database stays: switching back needs no new upload. Runs after the wanted certificate is
 * in place and the vhost names it, so nginx never points at a removed file. Returns what went.
 */
export async function removeUnusedTls(ctx: ConfigureContext, io: TaskIO): Promise<string[]> {
  const { transport, log } = io;
  const { slug } = ctx.app;
  const mode = servedMode(ctx);
  const [uploadedDir, renewalConf, cron, legacy] = [
    uploadedPaths(slug).dir,
    acmeRenewalConfPath(slug),
    acmeRenewalCronPath(slug),
    legacyAcmeRenewalCronPath(slug),
  ];
  const present = await existingPaths(transport, [uploadedDir, renewalConf, cron, legacy]);
  const removed: string[] = [];
  if (present.has(legacy) && (await removeLegacyRenewalCron(ctx, io))) removed.push(legacy);
  if (mode !== 'uploaded' && present.has(uploadedDir)) {
    await transport.exec(cmd('rm', '-rf', uploadedDir));
    log(`removed ${uploadedDir} (the uploaded certificate and its key)`);
    removed.push(uploadedDir);
  }
  if (mode === 'acme') return removed;
  if (present.has(cron) && (await ensureAbsent(transport, cron, { mode: 0o644, log }))) removed.push(cron);
  if (present.has(renewalConf)) {
    // Local only: certbot removes the lineage's renewal config, live and archive files (and key), revoking nothing.
    await transport.exec(cmd('certbot', 'delete', '--cert-name', acmeCertName(slug), '--non-interactive'));
    log(`deleted certbot's lineage ${acmeCertName(slug)}`);
    removed.push(`certbot lineage ${acmeCertName(slug)}`);
  }
  ctx.acmeCertificateGone = true;
  return removed;
}

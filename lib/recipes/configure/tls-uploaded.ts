import { createHash } from 'node:crypto';
import { uploadedPaths } from '@/lib/plan/tls-paths';
import { and, cmd } from '@/lib/remote/command';
import type { TaskIO } from '../task';
import type { ConfigureContext } from './context';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Puts the uploaded chain (0644) and key (0600, root) under /etc/berth/tls/<slug>/ over SFTP
 * when they differ. The key is compared by its hash, so it never travels back from the
 * server, and it never appears in argv or a log. Returns whether the files changed.
 */
export async function placeUploadedCertificate(ctx: ConfigureContext, { transport, log }: TaskIO): Promise<boolean> {
  const pair = ctx.uploadedCertificate;
  if (!pair) throw new Error('This app has no uploaded certificate: upload one on the app page, then configure again.');
  const p = uploadedPaths(ctx.app.slug);
  const sums = await transport.exec(cmd('sha256sum', p.certificate, p.key), { okExitCodes: [0, 1] });
  const current = new Map(sums.stdout.split('\n').map((line) => line.trim().split(/\s+/).reverse() as [string, string]));
  if (current.get(p.certificate) === sha256(pair.certificatePem) && current.get(p.key) === sha256(pair.keyPem)) return false;

  await transport.exec(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', p.dir));
  await transport.upload(pair.certificatePem, `${p.certificate}.new`, { mode: 0o644, owner: 'root', group: 'root' });
  await transport.upload(pair.keyPem, `${p.key}.new`, { mode: 0o600, owner: 'root', group: 'root' });
  // Both renamed by one command: a reload never finds the new chain beside the old key for longer than that.
  await transport.exec(and(cmd('mv', '-f', '-T', `${p.certificate}.new`, p.certificate), cmd('mv', '-f', '-T', `${p.key}.new`, p.key)));
  log(`wrote ${p.certificate} and ${p.key}`);
  return true;
}

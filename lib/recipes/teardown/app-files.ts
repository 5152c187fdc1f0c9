import { appLayout } from '@/lib/plan/app-layout';
import { webSlots } from '@/lib/plan/web-slots';
import { cmd } from '@/lib/remote/command';
import { existingPaths } from '../configure/tls-cleanup';
import { changed, unchanged, type Task } from '../task';
import type { TeardownContext } from './context';

/**
 * The app's own paths on the server, all named by its slug (app-layout.ts): /var/www/<slug>
 * (releases, shared, current, the slot links, the ACME webroot; it is also the user's home) and
 * /var/log/berth/<slug>. Nothing under another app's name is touched.
 */
export function appPaths(slug: string): string[] {
  const l = appLayout(slug);
  return [l.base, l.logDir];
}

/** nginx's access log for the app and its rotations (berth-<slug>.access.log, .1, .2.gz …): root's files, named by the slug. */
export const accessLogs = (slug: string) =>
  cmd('find', '/var/log/nginx', '-maxdepth', '1', '-name', `berth-${slug}.access.log*`, '-print', '-delete');

export const appFiles: Task<TeardownContext> = {
  name: 'app-files',
  async run(ctx, { transport, log }) {
    const { slug } = ctx.app;
    const paths = appPaths(slug);
    const present = [...(await existingPaths(transport, paths))];
    if (present.length) await transport.exec(cmd('rm', '-rf', '--one-file-system', ...present));
    const logs = (await transport.exec(accessLogs(slug), { okExitCodes: [0, 1] })).stdout.split('\n').filter(Boolean);
    // A process app's live-slot include was removed with the vhost; its directory is shared by every app.
    const live = webSlots(slug).livePath;
    const removed = [...present, ...logs];
    for (const path of removed) log(`removed ${path}`);
    if (!removed.length) return unchanged(`no files of ${slug} left (${paths.join(', ')}, ${live})`);
    return changed(`removed ${removed.join(', ')} (releases, shared files and logs)`);
  },
};

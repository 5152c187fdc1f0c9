import { and, cmd } from '@/lib/remote/command';
import { appLayout } from '@/lib/plan/app-layout';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';

const PLACEHOLDER_RELEASE = '0-placeholder';

export function placeholderPage(slug: string): string {
  return `<!doctype html><title>${slug}</title><p>${slug} is configured by Berth. Deploy a release to replace this page.</p>\n`;
}

/**
 * /var/www/<slug> with releases/ and shared/, owned by the app user, group-readable for nginx
 * (0750: no one else). The ACME webroot is root's, 0755: certbot writes it as root and nginx
 * serves it, so the app user must not plant files or links there. A fresh app gets a
 * placeholder release as `current`, so its domain answers before the first deploy.
 */
export const appDirs: Task<ConfigureContext> = {
  name: 'app-dirs',
  async run(ctx, { transport }) {
    const l = appLayout(ctx.app.slug);
    const hasCurrent = (await transport.exec(cmd('test', '-L', l.current), { okExitCodes: [0, 1] })).code === 0;
    const dirs = [l.base, l.releases, l.shared, l.logDir];
    const before = (await transport.exec(cmd('stat', '-c', '%U:%G:%a', ...dirs, l.acmeWebroot), { okExitCodes: [0, 1] })).stdout
      .trim()
      .split('\n');
    const wanted = [...dirs.map(() => `${l.user}:${l.group}:750`), 'root:root:755'];
    const dirsOk = before.length === wanted.length && before.every((line, i) => line === wanted[i]);
    if (!dirsOk) {
      await transport.exec(
        and(
          cmd('install', '-d', '-o', l.user, '-g', l.group, '-m', '0750', ...dirs),
          cmd('install', '-d', '-o', 'root', '-g', 'root', '-m', '0755', l.acmeWebroot),
        ),
      );
    }
    if (!hasCurrent) {
      const release = `${l.releases}/${PLACEHOLDER_RELEASE}`;
      const webRoot = ctx.app.kind === 'process' ? release : `${release}/${ctx.app.webRoot}`;
      await transport.exec(cmd('install', '-d', '-o', l.user, '-g', l.group, '-m', '0750', release, webRoot));
      await transport.upload(placeholderPage(ctx.app.slug), `${webRoot}/index.html`, { mode: 0o640, owner: l.user, group: l.group });
      // Switch with a temporary link and mv -T: atomic, as releases will do.
      await transport.exec(
        and(cmd('ln', '-sfn', `releases/${PLACEHOLDER_RELEASE}`, `${l.current}.tmp`), cmd('mv', '-T', `${l.current}.tmp`, l.current)),
      );
    }
    if (dirsOk && hasCurrent) return unchanged(`${l.base} in place`);
    return changed(
      [!dirsOk && `directories under ${l.base} (0750 ${l.user}:${l.group})`, !hasCurrent && 'placeholder release as current']
        .filter(Boolean)
        .join('; '),
    );
  },
};

import { and, asUser, cmd, locked } from '@/lib/remote/command';
import { changed, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/** Uploads the commit's archive (once per server, over the open connection), unpacks it as the app user, writes REVISION. */
export const extract: Task<ReleaseContext> = {
  name: 'extract',
  async run(ctx, { transport, log }) {
    const p = releasePaths(ctx.app.slug, ctx.number);
    const started = Date.now();
    await transport.uploadFile(ctx.archivePath, p.archive, { mode: 0o640, owner: p.user, group: p.group, timeoutMs: 10 * 60_000 });
    log(`uploaded the archive in ${Date.now() - started} ms`);
    await transport.exec(
      locked(p.lock, and(asUser(p.user, cmd('install', '-d', '-m', '0750', p.dir)), asUser(p.user, cmd('tar', '-x', '-f', p.archive, '-C', p.dir)), cmd('rm', '-f', p.archive))),
      { timeoutMs: 10 * 60_000 },
    );
    await transport.upload(`${ctx.sha}\n`, `${p.dir}/REVISION`, { mode: 0o640, owner: p.user, group: p.group });
    return changed(`releases/${ctx.number} at ${ctx.sha.slice(0, 10)}`);
  },
};

import fs from 'node:fs';
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
    await transport
      .uploadFile(ctx.archivePath, p.archive, { mode: 0o640, owner: p.user, group: p.group, timeoutMs: 10 * 60_000 })
      .catch(async (err: Error) => {
        // SFTP only says "failure"; the free space says whether the disk is why.
        const bytes = fs.statSync(ctx.archivePath).size;
        const df = await transport.exec(cmd('df', '-Pk', p.releases), { okExitCodes: [0, 1] }).catch(() => null);
        const freeKb = Number(df?.stdout.trim().split('\n')[1]?.split(/\s+/)[3] ?? NaN);
        if (freeKb * 1024 < bytes)
          throw new Error(
            `No space left on ${ctx.server.name}: ${p.releases} has ${freeKb} KB free; the release needs ${Math.ceil(bytes / 1024)} KB for its archive alone.`,
          );
        throw err;
      });
    log(`uploaded the archive in ${Date.now() - started} ms`);
    await transport.exec(
      locked(
        p.lock,
        and(
          asUser(p.user, cmd('install', '-d', '-m', '0750', p.dir)),
          asUser(p.user, cmd('tar', '-x', '-f', p.archive, '-C', p.dir)),
          asUser(p.user, cmd('rm', '-f', p.archive)),
        ),
      ),
      { timeoutMs: 10 * 60_000 },
    );
    await transport.upload(`${ctx.sha}\n`, `${p.dir}/REVISION`, { mode: 0o640, owner: p.user, group: p.group });
    return changed(`releases/${ctx.number} at ${ctx.sha.slice(0, 10)}`);
  },
};

import { and, asUser, cmd, locked } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import type { ReleaseContext, RollbackContext } from './context';
import { releasePaths } from './paths';

/** `current` → releases/<n>, atomically: a temporary link renamed over it (mv -T). No PHP-FPM reload: the vhost uses $realpath_root. */
export async function switchCurrent(transport: Transport, slug: string, number: number): Promise<void> {
  const p = releasePaths(slug, number);
  await transport.exec(cmd('test', '-f', `${p.dir}/REVISION`)).catch(() => {
    throw new Error(`releases/${number} is missing or incomplete on ${transport.serverName}`);
  });
  await transport.exec(locked(p.lock, asUser(p.user, and(cmd('ln', '-sfn', p.link, `${p.current}.tmp`), cmd('mv', '-T', `${p.current}.tmp`, p.current)))));
}

export const switchRelease: Task<ReleaseContext> = {
  name: 'switch',
  async run(ctx, { transport }) {
    await switchCurrent(transport, ctx.app.slug, ctx.number);
    return changed(`current → releases/${ctx.number}`);
  },
};

export const switchBack: Task<RollbackContext> = {
  name: 'switch',
  async run(ctx, { transport }) {
    await switchCurrent(transport, ctx.app.slug, ctx.target);
    return changed(`current → releases/${ctx.target}`);
  },
};

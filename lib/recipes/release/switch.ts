import { and, asUser, cmd, locked } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import type { ReleaseContext, RollbackContext } from './context';
import { releasePaths } from './paths';

/** `current` → releases/<n>, atomically: a temporary link renamed over it (mv -T). No PHP-FPM reload: the vhost uses $realpath_root. */
export async function switchCurrent(transport: Transport, slug: string, number: number): Promise<void> {
  const p = releasePaths(slug, number);
  // One round trip: the completeness check rides in the locked command; only a failure asks why.
  const link = and(
    cmd('test', '-f', `${p.dir}/REVISION`),
    cmd('ln', '-sfn', p.link, `${p.current}.tmp`),
    cmd('mv', '-T', `${p.current}.tmp`, p.current),
  );
  await transport.exec(locked(p.lock, asUser(p.user, link))).catch(async (err: unknown) => {
    const complete = await transport.exec(cmd('test', '-f', `${p.dir}/REVISION`), { okExitCodes: [0, 1] });
    if (complete.code !== 0) throw new Error(`releases/${number} is missing or incomplete on ${transport.serverName}`);
    throw err;
  });
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

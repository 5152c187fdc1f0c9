import { and, asUser, cmd, locked, LOCK_BUSY_EXIT } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import { changed, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/** Notes where `current` points, and clears a directory an interrupted attempt at this number left. */
export const prepare: Task<ReleaseContext> = {
  name: 'prepare',
  async run(ctx, { transport }) {
    const p = releasePaths(ctx.app.slug, ctx.number);
    const current = await transport.exec(cmd('readlink', p.current), { okExitCodes: [0, 1] });
    ctx.previous = current.code === 0 ? current.stdout.trim() : null;
    if (ctx.previous === p.link) throw new Error(`releases/${ctx.number} is already current on ${ctx.server.name}`);
    // Everything under releases/ is the app user's: root never removes there by path.
    await transport
      .exec(locked(p.lock, asUser(p.user, and(cmd('rm', '-rf', p.dir, p.archive), cmd('test', '-d', p.releases)))))
      .catch((err: unknown) => {
        // A step of an earlier release still runs there (its panel died mid-step): the lock is its.
        if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) {
          throw new Error(
            `A step of an earlier release is still running on ${ctx.server.name} (it holds ${p.lock}); wait for it to end, then deploy again.`,
          );
        }
        throw err;
      });
    return changed(`current is ${ctx.previous ?? 'not set'}`);
  },
};

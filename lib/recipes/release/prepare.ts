import { and, asUser, cmd, ignoreFailure, locked, LOCK_BUSY_EXIT } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import { changed, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/**
 * Notes where `current` points, and clears a directory an interrupted attempt at this number left:
 * one round trip, as the app user under the release lock. Everything under releases/ is the app
 * user's, so root never removes there by path; and nothing is removed when `current` resolves to
 * this number's directory (`test ! dir -ef current` stops the list first).
 */
export const prepare: Task<ReleaseContext> = {
  name: 'prepare',
  async run(ctx, { transport }) {
    const p = releasePaths(ctx.app.slug, ctx.number);
    const look = and(
      ignoreFailure(cmd('readlink', p.current)), // prints nothing when there is no `current` yet
      cmd('test', '!', p.dir, '-ef', p.current),
      cmd('rm', '-rf', p.dir, p.archive),
      cmd('test', '-d', p.releases),
    );
    const out = await transport.exec(locked(p.lock, asUser(p.user, look)), { okExitCodes: [0, 1] }).catch((err: unknown) => {
      // A step of an earlier release still runs there (its panel died mid-step): the lock is its.
      if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) {
        throw new Error(
          `A step of an earlier release is still running on ${ctx.server.name} (it holds ${p.lock}); wait for it to end, then deploy again.`,
        );
      }
      throw err;
    });
    ctx.previous = out.stdout.trim() || null;
    if (out.code !== 0) {
      // Exit 1: `current` resolves to this number's directory, rm failed, or releases/ is missing.
      const here =
        ctx.previous === p.link || (await transport.exec(cmd('test', p.dir, '-ef', p.current), { okExitCodes: [0, 1] })).code === 0;
      if (here) throw new Error(`releases/${ctx.number} is already current on ${ctx.server.name}`);
      const why = out.stderr.trim() || `${p.releases} is missing: configure the app first`;
      throw Object.assign(new Error(`Could not prepare releases/${ctx.number} on ${ctx.server.name}: ${why}`), { exitCode: 1 });
    }
    return changed(`current is ${ctx.previous ?? 'not set'}`);
  },
};

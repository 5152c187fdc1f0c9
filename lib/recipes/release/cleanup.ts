import { asUser, cmd, locked } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';
import { removeExpiredSnapshots } from './snapshot';

/**
 * Keeps the releases the database says to keep (newest N successful, pinned), the new one and the previous one; removes the rest. On
 * the data server it also removes expired pre-migration snapshots (snapshot.ts).
 */
export const cleanup: Task<ReleaseContext> = {
  name: 'cleanup',
  async run(ctx, { transport, log }) {
    const snapshots = await removeExpiredSnapshots(ctx, transport, log);
    const p = releasePaths(ctx.app.slug, ctx.number);
    const listed = (await transport.exec(cmd('ls', '-1', p.releases))).stdout
      .split('\n')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
    // What to keep comes from the database (the newest N successful deploys and pinned ones):
    // failed or interrupted release directories go, and the rollback buttons stay honest.
    const previous = Number(ctx.previous?.match(/^releases\/(\d+)$/)?.[1] ?? NaN);
    const keep = new Set([...ctx.protect, ctx.number, previous]);
    const remove = listed.filter((n) => !keep.has(n));
    const also = snapshots ? `; removed ${snapshots} expired snapshot(s)` : '';
    if (remove.length === 0) return (snapshots ? changed : unchanged)(`${listed.length} release(s) kept${also}`);
    await transport.exec(locked(p.lock, asUser(p.user, cmd('rm', '-rf', ...remove.map((n) => `${p.releases}/${n}`)))));
    return changed(`removed releases ${remove.sort((a, b) => a - b).join(', ')}${also}`);
  },
};

import { cmd, locked } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';
import { removeExpiredSnapshots } from './snapshot';

/**
 * Keeps the newest N releases plus the current, previous and pinned ones; removes the rest. On
 * the data server it also removes expired pre-migration snapshots (snapshot.ts).
 */
export const cleanup: Task<ReleaseContext> = {
  name: 'cleanup',
  async run(ctx, { transport, log }) {
    const snapshots = await removeExpiredSnapshots(ctx, transport, log);
    const p = releasePaths(ctx.app.slug, ctx.number);
    const listed = (await transport.exec(cmd('ls', '-1', p.releases))).stdout.split('\n').filter((n) => /^\d+$/.test(n)).map(Number);
    const newest = [...listed].sort((a, b) => b - a).slice(0, ctx.app.release.keepReleases);
    const previous = Number(ctx.previous?.match(/^releases\/(\d+)$/)?.[1] ?? NaN);
    const keep = new Set([...newest, ...ctx.protect, ctx.number, previous]);
    const remove = listed.filter((n) => !keep.has(n));
    const also = snapshots ? `; removed ${snapshots} expired snapshot(s)` : '';
    if (remove.length === 0) return (snapshots ? changed : unchanged)(`${listed.length} release(s) kept${also}`);
    await transport.exec(locked(p.lock, cmd('rm', '-rf', ...remove.map((n) => `${p.releases}/${n}`))));
    return changed(`removed releases ${remove.sort((a, b) => a - b).join(', ')}${also}`);
  },
};

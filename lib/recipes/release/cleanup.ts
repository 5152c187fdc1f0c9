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
    // What to keep comes from the database (the newest N successful deploys and pinned ones):
    // failed or interrupted release directories go, and the rollback buttons stay honest.
    const previous = Number(ctx.previous?.match(/^releases\/(\d+)$/)?.[1] ?? NaN);
    const keep = [...new Set([...ctx.protect, ctx.number, previous])].filter(Number.isInteger);
    // One round trip, as the app user under the release lock: find lists every numbered release
    // directory, says which it keeps, and removes the others (leftover archives and dot files stay).
    const kept = keep.flatMap((n, i) => [...(i > 0 ? ['-o'] : []), '-name', String(n)]);
    // From inside releases/: GNU find fails when it cannot return to where it started, and the
    // SSH session starts in root's home, which the app user cannot enter.
    const sweep = cmd(
      'env',
      '-C',
      p.releases,
      'find',
      '.',
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-regextype',
      'posix-extended',
      '-regex',
      '\\./[0-9]+',
      '(',
      '(',
      ...kept,
      ')',
      '-printf',
      'kept %f\\n',
      '-o',
      '-printf',
      'removed %f\\n',
      '-exec',
      'rm',
      '-rf',
      '{}',
      '+',
      ')',
    );
    const out = await transport.exec(locked(p.lock, asUser(p.user, sweep)));
    const lines = out.stdout.split('\n');
    const removed = lines.flatMap((l) => l.match(/^removed (\d+)$/)?.[1] ?? []).map(Number);
    const also = snapshots ? `; removed ${snapshots} expired snapshot(s)` : '';
    if (removed.length === 0) {
      const count = lines.filter((l) => /^kept \d+$/.test(l)).length;
      return (snapshots ? changed : unchanged)(`${count} release(s) kept${also}`);
    }
    return changed(`removed releases ${removed.sort((a, b) => a - b).join(', ')}${also}`);
  },
};

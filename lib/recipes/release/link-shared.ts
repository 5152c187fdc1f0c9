import { and, asUser, cmd, locked, or, type Command } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/**
 * A name with a dot (".env", "config.yml") is shared as a file, anything else as a directory —
 * Deployer's shared_files/shared_dirs, told apart by name since the form has one list.
 */
const looksLikeFile = (path: string) => path.split('/').pop()!.includes('.');
const parentOf = (path: string) => path.split('/').slice(0, -1).join('/');

/**
 * Each shared path becomes a relative link into shared/: the first release seeds shared/ from
 * its own copy (or an empty file or directory); later releases only link. Writable paths exist
 * in the release, owned by the app user. One command, as the app user, under the release lock.
 */
export const linkShared: Task<ReleaseContext> = {
  name: 'link-shared',
  async run(ctx, { transport }) {
    const p = releasePaths(ctx.app.slug, ctx.number);
    const { sharedPaths, writablePaths } = ctx.app;
    if (sharedPaths.length === 0 && writablePaths.length === 0) return unchanged('no shared or writable paths');
    const steps: Command[] = [];
    for (const path of sharedPaths) {
      const inShared = `${p.shared}/${path}`;
      const inRelease = `${p.dir}/${path}`;
      const create = looksLikeFile(path) ? cmd('touch', inShared) : cmd('mkdir', '-p', inShared);
      steps.push(
        cmd('mkdir', '-p', parentOf(inShared) || p.shared, parentOf(inRelease) || p.dir),
        or(cmd('test', '-e', inShared), and(cmd('test', '-e', inRelease), cmd('mv', inRelease, inShared)), create),
        cmd('rm', '-rf', inRelease),
        cmd('ln', '-s', `${'../'.repeat(path.split('/').length + 1)}shared/${path}`, inRelease),
      );
    }
    for (const path of writablePaths) steps.push(cmd('mkdir', '-p', `${p.dir}/${path}`), cmd('chmod', 'u+rwX', `${p.dir}/${path}`));
    await transport.exec(locked(p.lock, asUser(p.user, and(...steps))));
    return changed(`${sharedPaths.length} shared, ${writablePaths.length} writable path(s)`);
  },
};

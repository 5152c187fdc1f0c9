import { appLayout } from '@/lib/plan/app-layout';
import { asUser, cmd, locked, type Command } from '@/lib/remote/command';

/**
 * Release locks live in /run (root's, per boot): a lock in the app's directory would let the app
 * user plant a symlink that root's flock opens with O_CREAT, or hold the lock forever.
 */
export const releaseLockPath = (slug: string) => `/run/berth-release-${slug}.lock`;

/** Where a release lives on the server, and how its commands run (as the app user, under the app's release lock). */
export function releasePaths(slug: string, number: number) {
  const l = appLayout(slug);
  const dir = `${l.releases}/${number}`;
  return {
    ...l,
    dir,
    link: `releases/${number}`,
    archive: `${l.releases}/.${number}.tar`,
    lock: releaseLockPath(slug),
  };
}

/** A command as the app user inside `dir`, holding the release lock so an orphaned step blocks the next release. */
export function inRelease(p: { user: string; lock: string }, dir: string, argv: string[]): Command {
  const [program, ...args] = argv;
  return locked(p.lock, asUser(p.user, cmd('env', '-C', dir, program!, ...args)));
}

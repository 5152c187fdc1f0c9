import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Db } from '@/db';
import type { KeyRing } from '@/lib/crypto';
import { withRepositoryAccess } from '@/lib/git-hosts/repository-access';
import { isSshRepository } from '@/lib/model/git-ssh-url';
import { archiveCommit, GitError, resolveCommit, syncMirror } from './git-mirror';

/** What a private (SSH) repository needs: the database holding the app's deploy key and git host pins, and the key ring. */
export type RepositoryKeys = { db: Db; ring: KeyRing; slug: string };

/**
 * The panel-side "fetch" step: sync the app's mirror, resolve the ref, and write the commit's
 * archive to a file that every server then receives once (no server clones the repository).
 */
export async function fetchRelease(
  dataDir: string,
  appId: string,
  repository: string,
  ref: string,
  releaseId: string,
  keys?: RepositoryKeys,
) {
  const mirror = path.join(dataDir, 'mirrors', appId);
  fs.mkdirSync(path.dirname(mirror), { recursive: true, mode: 0o700 });
  if (isSshRepository(repository)) {
    if (!keys) throw new GitError(`${repository} is fetched over SSH, which needs the app's deploy key`);
    await withRepositoryAccess(keys.db, keys.ring, dataDir, { id: appId, slug: keys.slug }, repository, (env) =>
      syncMirror(repository, mirror, env),
    );
  } else await syncMirror(repository, mirror);
  const commit = await resolveCommit(mirror, ref);
  const archivePath = path.join(dataDir, 'archives', `${releaseId}.tar`);
  fs.mkdirSync(path.dirname(archivePath), { recursive: true, mode: 0o700 });
  const { stream, done } = archiveCommit(mirror, commit.sha);
  await Promise.all([pipeline(stream, fs.createWriteStream(archivePath, { mode: 0o600 })), done]);
  return { ...commit, archivePath, bytes: fs.statSync(archivePath).size };
}

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { archiveCommit, resolveCommit, syncMirror } from './git-mirror';

/**
 * The panel-side "fetch" step: sync the app's mirror, resolve the ref, and write the commit's
 * archive to a file that every server then receives once (no server clones the repository).
 */
export async function fetchRelease(dataDir: string, appId: string, repository: string, ref: string, releaseId: string) {
  const mirror = path.join(dataDir, 'mirrors', appId);
  fs.mkdirSync(path.dirname(mirror), { recursive: true, mode: 0o700 });
  await syncMirror(repository, mirror);
  const commit = await resolveCommit(mirror, ref);
  const archivePath = path.join(dataDir, 'archives', `${releaseId}.tar`);
  fs.mkdirSync(path.dirname(archivePath), { recursive: true, mode: 0o700 });
  const { stream, done } = archiveCommit(mirror, commit.sha);
  await Promise.all([pipeline(stream, fs.createWriteStream(archivePath, { mode: 0o600 })), done]);
  return { ...commit, archivePath, bytes: fs.statSync(archivePath).size };
}

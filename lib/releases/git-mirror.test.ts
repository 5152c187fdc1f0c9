import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { archiveCommit, resolveCommit, syncMirror } from './git-mirror';

// Real git against a repository made at test time.
const repo = fixtureRepo('php-app');
const mirrors = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mirrors-'));
afterAll(() => {
  repo.remove();
  fs.rmSync(mirrors, { recursive: true, force: true });
});

async function tarNames(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const names: string[] = [];
  // ustar: 512-byte headers, name in the first 100 bytes, size (octal) at 124.
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar
      .subarray(off, off + 100)
      .toString()
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      tar
        .subarray(off + 124, off + 136)
        .toString()
        .trim() || '0',
      8,
    );
    if (!name.startsWith('pax_global_header')) names.push(name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('the git mirror', () => {
  const dir = path.join(mirrors, 'app');

  it('mirrors, resolves a branch and a short sha, and follows new commits', async () => {
    await syncMirror(repo.dir, dir);
    const first = await resolveCommit(dir, 'main');
    expect(first).toEqual({ sha: repo.head(), subject: 'initial' });
    const second = repo.commit({ 'public/extra.txt': 'two\n' }, 'second');
    await syncMirror(repo.dir, dir);
    expect((await resolveCommit(dir, 'main')).sha).toBe(second);
    expect((await resolveCommit(dir, first.sha.slice(0, 10))).sha).toBe(first.sha);
  });

  it('follows the app when its repository URL changes', async () => {
    const other = fixtureRepo('php-app');
    const sha = other.commit({ 'public/moved.txt': 'moved\n' }, 'moved');
    await syncMirror(other.dir, dir);
    expect(await resolveCommit(dir, 'main')).toEqual({ sha, subject: 'moved' });
    await syncMirror(repo.dir, dir);
    expect((await resolveCommit(dir, 'main')).sha).toBe(repo.head());
    other.remove();
  });

  it('archives exactly the files of a commit', async () => {
    const { sha } = await resolveCommit(dir, 'main');
    const { stream, done } = archiveCommit(dir, sha);
    const names = await tarNames(stream);
    await done;
    expect(names).toEqual(expect.arrayContaining(['public/index.php', 'public/health.php', 'public/extra.txt']));
  });

  it('names an unknown branch or sha, refuses option-like refs, and reports an unreachable repository', async () => {
    await expect(resolveCommit(dir, 'nope')).rejects.toThrow('Unknown branch or sha: nope');
    await expect(resolveCommit(dir, 'deadbeef')).rejects.toThrow('Unknown branch or sha: deadbeef');
    await expect(resolveCommit(dir, '--upload-pack=touch')).rejects.toThrow('Not a branch or sha');
    const missing = path.join(mirrors, 'missing');
    await expect(syncMirror('/nonexistent/repo.git', missing)).rejects.toThrow(/Cannot reach the repository \/nonexistent\/repo\.git/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

/**
 * The extract step on real test hosts: the archive streams over stdin into tar as the app user,
 * REVISION is written in the same command, and a failed extract (a full disk, a broken archive)
 * says why and leaves no release directory that could be made current. And `cleanup`, which
 * removes with one find as the app user, from a session that starts in root's home.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRelease } from '@/lib/releases/fetch';
import { cmd, ignoreFailure } from '@/lib/remote/command';
import { releaseBed, type BedHost } from '@/test-support/testbed-release';
import type { ReleaseContext } from './context';
import { cleanup } from './cleanup';
import { extract } from './extract';
import { switchCurrent } from './switch';

const SLUG = 'xtrapp';
const RELEASES = `/var/www/${SLUG}/releases`;
let bed: Awaited<ReturnType<typeof releaseBed>>;

beforeAll(async () => {
  bed = await releaseBed(SLUG);
  expect(await bed.release()).toMatchObject({ status: 'succeeded', number: 1 });
});
afterAll(async () => {
  if (!bed) return;
  await bed.hosts[1]!.transport.exec(ignoreFailure(cmd('umount', RELEASES)));
  await bed.cleanup();
});

const ctxFor = (h: BedHost, number: number, sha: string, archivePath: string): ReleaseContext => ({
  app: bed.config,
  server: { id: h.server.id, name: h.server.name, address: h.address, bindAddress: h.server.bindAddress },
  roles: ['web', 'worker'],
  number,
  sha,
  archivePath,
  protect: [],
});
const run = (h: BedHost, ctx: ReleaseContext, lines: string[] = []) =>
  extract.run(ctx, { transport: h.transport, log: (l) => lines.push(l), signal: new AbortController().signal });
const exists = async (h: BedHost, p: string) => (await h.transport.exec(cmd('test', '-e', p), { okExitCodes: [0, 1] })).code === 0;

/** "sha256  ./path" lines of every file under `dir` on the host (REVISION aside), sorted. */
async function remoteSums(h: BedHost, dir: string): Promise<string[]> {
  const out = await h.transport.exec(cmd('find', dir, '-type', 'f', '!', '-name', 'REVISION', '-exec', 'sha256sum', '{}', '+'));
  return out.stdout
    .trim()
    .split('\n')
    .map((l) => l.replace(`${dir}/`, './'))
    .sort();
}

describe('extract (the archive streamed into tar)', () => {
  it('unpacks the commit byte for byte on both hosts, as the app user, and writes REVISION', async () => {
    // 3 MB of random bytes: more than an SSH channel window, so the stream is read in many turns.
    const big = randomBytes(3 * 1024 * 1024).toString('base64');
    const sha = bed.repo.commit({ 'public/big.txt': big, 'public/nested/deep/file.txt': 'deep\n' }, 'big');
    const fetched = await fetchRelease(bed.dataDir, bed.app.id, bed.config.repository!, 'main', 'extract-test');
    expect(fetched.sha).toBe(sha);
    // What the archive holds, unpacked locally, as sha256sum would print it.
    const local = fs.mkdtempSync(path.join(bed.dataDir, 'unpacked-'));
    execFileSync('tar', ['-x', '-f', fetched.archivePath, '-C', local]);
    const expected = (fs.readdirSync(local, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => fs.statSync(path.join(local, f)).isFile())
      .map(
        (f) =>
          `${createHash('sha256')
            .update(fs.readFileSync(path.join(local, f)))
            .digest('hex')}  ./${f}`,
      )
      .sort();
    expect(expected.length).toBeGreaterThan(3);

    await Promise.all(
      bed.hosts.map(async (h) => {
        const lines: string[] = [];
        const outcome = await run(h, ctxFor(h, 50, sha, fetched.archivePath), lines);
        expect(outcome).toEqual({ changed: true, summary: `releases/50 at ${sha.slice(0, 10)}` });
        expect(lines.join('\n')).toMatch(/streamed and unpacked the archive in \d+ ms/);
        const dir = `${RELEASES}/50`;
        expect(await remoteSums(h, dir)).toEqual(expected);
        const revision = await h.transport.exec(cmd('stat', '-c', '%U %G %a', `${dir}/REVISION`, dir, `${dir}/public/big.txt`));
        expect(revision.stdout).toBe(`${SLUG} ${SLUG} 640\n${SLUG} ${SLUG} 750\n${SLUG} ${SLUG} 644\n`);
        expect((await h.transport.exec(cmd('cat', `${dir}/REVISION`))).stdout).toBe(`${sha}\n`);
        // No copy of the archive and no temporary REVISION is left on the server.
        expect((await h.transport.exec(cmd('ls', '-A', RELEASES))).stdout.split('\n').filter((n) => n.startsWith('.'))).toEqual([]);
        expect(await exists(h, `${dir}/.REVISION.tmp`)).toBe(false);
      }),
    );
    fs.rmSync(fetched.archivePath);
  });

  it('a full disk says so with the free space, and leaves no half-written release to switch to', async () => {
    const h2 = bed.hosts[1]!;
    const sha = bed.repo.head();
    const fetched = await fetchRelease(bed.dataDir, bed.app.id, bed.config.repository!, 'main', 'extract-full');
    // releases/ on a 256 KB disk, with release 1 copied in so `current` still resolves.
    await h2.transport.exec(cmd('cp', '-a', `${RELEASES}/1`, `/tmp/${SLUG}-release-1`));
    await h2.transport.exec(cmd('mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0750', 'tmpfs', RELEASES));
    try {
      await h2.transport.exec(cmd('chown', `${SLUG}:${SLUG}`, RELEASES));
      await h2.transport.exec(cmd('mv', `/tmp/${SLUG}-release-1`, `${RELEASES}/1`));
      const err = (await run(h2, ctxFor(h2, 51, sha, fetched.archivePath)).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(new RegExp(`^No space left on ${SLUG}-2: ${RELEASES} has \\d+ KB free; the release needs \\d+ KB`));
      expect(await exists(h2, `${RELEASES}/51`)).toBe(false);
      await expect(switchCurrent(h2.transport, SLUG, 51)).rejects.toThrow(/releases\/51 is missing or incomplete/);
      expect(await bed.current(h2)).toBe('releases/1');
    } finally {
      await h2.transport.exec(ignoreFailure(cmd('umount', RELEASES)));
      fs.rmSync(fetched.archivePath, { force: true });
    }
  });

  it('an archive tar refuses fails with tar’s reason and leaves nothing behind', async () => {
    const h1 = bed.hosts[0]!;
    const broken = path.join(bed.dataDir, 'broken.tar');
    fs.writeFileSync(broken, randomBytes(64 * 1024));
    const err = (await run(h1, ctxFor(h1, 52, bed.repo.head(), broken)).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^On xtrapp-1: .* exited with code 2\n/);
    expect(err.message).toMatch(/tar: This does not look like a tar archive/);
    expect(await exists(h1, `${RELEASES}/52`)).toBe(false);
    await expect(switchCurrent(h1.transport, SLUG, 52)).rejects.toThrow(/releases\/52 is missing or incomplete/);
    expect(await bed.current(h1)).toBe('releases/1');
  });

  it('cleanup removes every numbered release it does not keep, in one command as the app user', async () => {
    const h1 = bed.hosts[0]!;
    await h1.transport.exec(cmd('install', '-d', '-o', SLUG, '-g', SLUG, `${RELEASES}/60`, `${RELEASES}/61`, `${RELEASES}/.62.tar`));
    const ctx = { ...ctxFor(h1, 61, bed.repo.head(), ''), previous: 'releases/1', protect: [60] };
    const outcome = await cleanup.run(ctx, { transport: h1.transport, log: () => {}, signal: new AbortController().signal });
    expect(outcome).toEqual({ changed: true, summary: 'removed releases 50' }); // left by the first test
    expect((await h1.transport.exec(cmd('ls', '-A', RELEASES))).stdout.split('\n').filter(Boolean).sort()).toEqual([
      '.62.tar',
      '0-placeholder', // configure's, not numbered: never cleanup's
      '1',
      '60',
      '61',
    ]);
    const again = await cleanup.run(ctx, { transport: h1.transport, log: () => {}, signal: new AbortController().signal });
    expect(again).toEqual({ changed: false, summary: '3 release(s) kept' });
  });
});

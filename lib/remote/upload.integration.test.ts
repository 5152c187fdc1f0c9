/** upload / uploadFile / readFile against the REAL test hosts. Fails, never skips, without them. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cmd } from './command';
import { closeAll, getConnection } from './connection';
import { RemoteError } from './errors';
import { testHost, testTarget } from '@/test-support/test-hosts';
import { SshTransport } from './transport';

const target = () => testTarget(testHost('berth-host-2'));
const dir = `/var/www/berth-upload-test-${process.pid}-${Date.now()}`;
let t: SshTransport;
// Set up by the first test that runs, not in beforeAll: a throwing beforeAll would only
// mark the tests skipped, and without the test bed they must FAIL.
let prepared: Promise<void> | undefined;
const setup = () =>
  (prepared ??= (async () => {
    t = new SshTransport(target());
    await t.exec(cmd('mkdir', '-p', dir));
  })());
const stat = async (p: string) => (await t.exec(cmd('stat', '-c', '%a %U %G %i', p))).stdout.trim();
const listing = async () => (await t.exec(cmd('ls', '-A', dir))).stdout.split('\n').filter(Boolean);

afterAll(async () => {
  if (
    await prepared?.then(
      () => true,
      () => false,
    )
  )
    await t.exec(cmd('rm', '-rf', dir)).catch(() => undefined);
  await closeAll();
});

describe('upload (atomic, over SFTP)', () => {
  it('writes content, sets mode and owner, leaves no temporary file', async () => {
    await setup();
    await t.upload('APP_KEY=base64:abc\n', `${dir}/app.env`, { mode: 0o640, owner: 'www-data', group: 'www-data' });
    expect(await stat(`${dir}/app.env`)).toMatch(/^640 www-data www-data \d+$/);
    expect((await t.readFile(`${dir}/app.env`)).toString()).toBe('APP_KEY=base64:abc\n');
    expect(await listing()).toEqual(['app.env']);
  });

  it('in a directory the owner can write, a failed write is reported, never retried by root (no symlink race)', async () => {
    await setup();
    const own = `${dir}/owned-by-www-data`;
    await t.exec(cmd('install', '-d', '-o', 'www-data', '-g', 'www-data', '-m', '0750', own));
    // The user planted a directory where the file goes: their mv fails, and root must not step in.
    await t.exec(cmd('mkdir', '-p', `${own}/.env/x`));
    const err = await t.upload('SECRET=1\n', `${own}/.env`, { mode: 0o640, owner: 'www-data', group: 'www-data' }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    // The user's own write failed (its cat/mv), not root's SFTP-and-chown fallback.
    expect(err.message).toMatch(/www-data/);
    expect(err.message).not.toMatch(/chown/);
    const left = (await t.exec(cmd('find', own, '-user', 'root'))).stdout.trim().split('\n').filter(Boolean);
    expect(left).toEqual([`${own}/.env`, `${own}/.env/x`]);
    expect((await t.exec(cmd('ls', '-A', own))).stdout.trim()).toBe('.env');
  });

  it('replaces an existing file by rename (a new inode), never by rewriting it in place', async () => {
    await setup();
    await t.upload('one', `${dir}/replace.txt`, { mode: 0o644 });
    const before = (await stat(`${dir}/replace.txt`)).split(' ')[3];
    await t.upload('two', `${dir}/replace.txt`, { mode: 0o600 });
    const [mode, owner, , inode] = (await stat(`${dir}/replace.txt`)).split(' ');
    expect({ mode, owner }).toEqual({ mode: '600', owner: 'root' });
    expect(inode).not.toBe(before);
    expect((await t.readFile(`${dir}/replace.txt`)).toString()).toBe('two');
  });

  it('sets the exact mode whatever the umask (0755, 0600, 0444)', async () => {
    await setup();
    for (const mode of [0o755, 0o600, 0o444]) {
      await t.upload('x', `${dir}/mode-${mode.toString(8)}`, { mode });
      expect((await stat(`${dir}/mode-${mode.toString(8)}`)).split(' ')[0]).toBe(mode.toString(8));
    }
  });

  it('carries a 24 MB buffer intact (parallel writes)', async () => {
    await setup();
    const data = randomBytes(24 * 1024 * 1024);
    await t.upload(data, `${dir}/big.bin`, { mode: 0o600 });
    const remote = (await t.exec(cmd('sha256sum', `${dir}/big.bin`))).stdout.split(' ')[0];
    expect(remote).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('uploadFile copies a local file (fastPut) atomically, with owner', async () => {
    await setup();
    const local = mkdtempSync(path.join(tmpdir(), 'berth-upload-'));
    try {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(path.join(local, 'f'), data);
      await t.uploadFile(path.join(local, 'f'), `${dir}/file.bin`, { mode: 0o640, group: 'www-data' });
      expect(await stat(`${dir}/file.bin`)).toMatch(/^640 root www-data /);
      expect((await t.readFile(`${dir}/file.bin`)).equals(data)).toBe(true);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('a failed chown leaves the target as it was and no temporary file', async () => {
    await setup();
    await t.upload('original', `${dir}/keep.txt`, { mode: 0o644 });
    const before = await listing();
    const err = await t.upload('new', `${dir}/keep.txt`, { mode: 0o644, owner: 'nosuchuser' }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).message).toMatch(/'chown' 'nosuchuser'.*exited with code 1[\s\S]*invalid user/);
    expect((await t.readFile(`${dir}/keep.txt`)).toString()).toBe('original');
    expect(await listing()).toEqual(before);
  });

  it('a missing directory is a RemoteError that says so; readFile of a missing file too', async () => {
    await setup();
    await expect(t.upload('x', `${dir}/no/such/dir/f`, { mode: 0o600 })).rejects.toThrow(
      /sftp upload .* failed: no such file or directory/,
    );
    await expect(t.readFile(`${dir}/missing`)).rejects.toThrow(/sftp read .* failed: no such file or directory/);
    await expect(t.uploadFile('/nonexistent/local', `${dir}/f`, { mode: 0o600 })).rejects.toThrow(/the local file does not exist/);
    expect((await listing()).some((f) => f.includes('.berth-'))).toBe(false);
  });

  it('20 concurrent uploads share the connection within 8 channels', async () => {
    await setup();
    const connection = await getConnection(target());
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, connection.channels.inUse)), 2);
    const t2 = new SshTransport(connection.target);
    await Promise.all(Array.from({ length: 20 }, (_, i) => t2.upload(`n${i}`, `${dir}/c${i}`, { mode: 0o600, owner: 'www-data' })));
    clearInterval(sampler);
    expect(peak).toBeLessThanOrEqual(8);
    expect((await t.exec(cmd('cat', ...Array.from({ length: 20 }, (_, i) => `${dir}/c${i}`)))).stdout).toBe(
      Array.from({ length: 20 }, (_, i) => `n${i}`).join(''),
    );
  });

  it('refuses a relative path or a bad owner before connecting', async () => {
    await setup();
    await expect(t.upload('x', 'relative', { mode: 0o600 })).rejects.toThrow(/absolute/);
    await expect(t.upload('x', `${dir}/f`, { mode: 0o600, owner: 'x;id' })).rejects.toThrow(/user or group/);
  });
});

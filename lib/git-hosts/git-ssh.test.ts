import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitSshCommand, knownHostsLine, withGitSsh } from './git-ssh';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-git-ssh-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('the ssh command git runs for a private repository', () => {
  it('reaches ssh as exactly these words when sh reads it (as git does), with the pinned-key-only options', () => {
    const text = gitSshCommand({ keyFile: '/d/git-ssh/x/key', knownHostsFile: '/d/git-ssh/x/known_hosts' });
    // git runs `sh -c '<GIT_SSH_COMMAND> "$@"'`; printf shows the argv sh hands to the program.
    const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${text} "$@"`, 'sh', 'git@host', "git-upload-pack 'app.git'"], {
      encoding: 'utf8',
    });
    expect(argv.trim().split('\n')).toEqual([
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      '/d/git-ssh/x/key',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'UserKnownHostsFile="/d/git-ssh/x/known_hosts"',
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=15',
      'git@host',
      "git-upload-pack 'app.git'",
    ]);
  });

  it('names the host as ssh looks it up: bare on port 22, [host]:port otherwise', () => {
    expect(knownHostsLine({ host: 'github.com', port: 22 }, 'ssh-ed25519 AAAA')).toBe('github.com ssh-ed25519 AAAA\n');
    expect(knownHostsLine({ host: 'git.example.com', port: 2222 }, 'ssh-ed25519 AAAA')).toBe('[git.example.com]:2222 ssh-ed25519 AAAA\n');
  });

  it('keeps the key in a 0600 file in a 0700 directory only while git runs, also when git fails', async () => {
    let seen: { dir: number; key: number; text: string } | undefined;
    const failure = await withGitSsh(dataDir, { privateKey: 'PRIVATE', knownHosts: 'h k\n' }, async (env) => {
      const keyFile = /'-i' '([^']+)'/.exec(env.GIT_SSH_COMMAND!)![1]!;
      seen = {
        dir: fs.statSync(path.dirname(keyFile)).mode & 0o777,
        key: fs.statSync(keyFile).mode & 0o777,
        text: fs.readFileSync(keyFile, 'utf8'),
      };
      throw new Error('git failed');
    }).catch((err: Error) => err);
    expect(failure).toMatchObject({ message: 'git failed' });
    expect(seen).toEqual({ dir: 0o700, key: 0o600, text: 'PRIVATE' });
    expect(fs.readdirSync(path.join(dataDir, 'git-ssh'))).toEqual([]);
  });

  it('removes a key directory left by a panel that stopped mid-fetch (an hour old), not a fresh one', async () => {
    const root = path.join(dataDir, 'git-ssh');
    const [left, fresh] = [path.join(root, 'left-behind'), path.join(root, 'in-use')];
    for (const dir of [left, fresh]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(dir, 'key'), 'PRIVATE', { mode: 0o600 });
    }
    const hourAgo = new Date(Date.now() - 61 * 60_000);
    fs.utimesSync(left, hourAgo, hourAgo);
    await withGitSsh(dataDir, { privateKey: 'k', knownHosts: '' }, async () => 1);
    expect(fs.readdirSync(root)).toEqual(['in-use']);
    fs.rmSync(fresh, { recursive: true });
  });

  it('takes a data directory with a space (the value is quoted for ssh), and refuses one with a quote or a % token', async () => {
    const spaced = path.join(dataDir, 'with space');
    const env = await withGitSsh(spaced, { privateKey: 'k', knownHosts: '' }, async (e) => e);
    const command = Object.values(env).find((v) => v.startsWith("'ssh'") || v.startsWith('ssh')) ?? '';
    // ssh itself reads the option as one path (ssh -G prints the resolved configuration).
    const known = /UserKnownHostsFile="([^"]+)"/.exec(command)?.[1] ?? '';
    expect(known.startsWith(path.join(spaced, 'git-ssh'))).toBe(true);
    const resolved = execFileSync('ssh', ['-F', '/dev/null', '-o', `UserKnownHostsFile="${known}"`, '-G', 'example.test'], {
      encoding: 'utf8',
    });
    expect(resolved).toContain(`userknownhostsfile ${known}\n`);
    for (const bad of ['with"quote', 'with%dtoken'])
      await expect(withGitSsh(path.join(dataDir, bad), { privateKey: 'k', knownHosts: '' }, async () => 1)).rejects.toThrow(
        /characters ssh cannot take/,
      );
  });
});

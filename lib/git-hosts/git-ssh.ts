import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SshRepository } from '@/lib/model/git-ssh-url';
import { cmd, render } from '@/lib/remote/command';

/**
 * How git reaches a private repository: GIT_SSH_COMMAND naming ssh with the app's key and the
 * pinned host key, each in a file that exists only for the fetch.
 *
 * GIT_SSH_COMMAND rather than a GIT_SSH wrapper script: git runs it through `sh -c`, so it is
 * shell text, and it is built by the one renderer (lib/remote/command.ts), which quotes every
 * word; a wrapper would be a second piece of shell text written to disk. The options:
 * - `-F /dev/null`: no ssh_config of the panel's user can add a ProxyCommand or another key;
 * - `IdentitiesOnly=yes`, `IdentityAgent=none`: only the app's key is offered, never an agent's;
 * - `BatchMode=yes`: no prompt can hang a release;
 * - `StrictHostKeyChecking=yes` with only the pinned key known: an unknown or changed host key
 *   fails the fetch instead of being learned.
 */
export type GitSshFiles = { dir: string; keyFile: string; knownHostsFile: string };

// ssh reads UserKnownHostsFile as config text (the value is double-quoted below, so spaces are fine) and
// expands % tokens and ~ in it and in -i: a quote, a backslash, % or a control character would change its meaning.
const UNSAFE_PATH = /["\\%~\p{Cc}]/u;
/** Far longer than any fetch runs (git's timeout is 2 min): a directory this old outlived a panel that stopped mid-fetch. */
const STALE_MS = 60 * 60_000;

/** Removes key directories a stopped panel left behind (the finally below never ran for them). */
function removeStale(root: string, now: number) {
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const dir = path.join(root, entry.name);
    // Another fetch may be removing the same directory at this moment: a missing one is fine.
    const stat = entry.isDirectory() ? fs.statSync(dir, { throwIfNoEntry: false }) : undefined;
    if (stat && now - stat.mtimeMs > STALE_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The known_hosts line for a pinned key: `[host]:port` form except on port 22, as ssh looks it up. */
export function knownHostsLine(repo: Pick<SshRepository, 'host' | 'port'>, publicKey: string): string {
  const name = repo.port === 22 ? repo.host : `[${repo.host}]:${repo.port}`;
  return `${name} ${publicKey}\n`;
}

export function gitSshCommand(files: Pick<GitSshFiles, 'keyFile' | 'knownHostsFile'>): string {
  return render(
    cmd(
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      files.keyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile="${files.knownHostsFile}"`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=15',
    ),
  );
}

/**
 * Runs `fn` with the env git needs, the key in a 0600 file inside a fresh 0700 directory under
 * `<dataDir>/git-ssh`, removed afterwards whatever happens.
 */
export async function withGitSsh<T>(
  dataDir: string,
  secrets: { privateKey: string; knownHosts: string },
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const root = path.resolve(dataDir, 'git-ssh');
  if (UNSAFE_PATH.test(root)) throw new Error(`The data directory ${root} has characters ssh cannot take in a file option`);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  removeStale(root, Date.now());
  const dir = path.join(root, randomUUID());
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const files = { keyFile: path.join(dir, 'key'), knownHostsFile: path.join(dir, 'known_hosts') };
    // `wx`: a file that already exists (it cannot, the directory is new) is never reused.
    fs.writeFileSync(files.keyFile, secrets.privateKey, { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(files.knownHostsFile, secrets.knownHosts, { mode: 0o600, flag: 'wx' });
    return await fn({ GIT_SSH_COMMAND: gitSshCommand(files), GIT_SSH_VARIANT: 'ssh', SSH_AUTH_SOCK: '' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

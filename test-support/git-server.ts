/**
 * Test support: a real git-over-SSH server on a test host, as a self-hosted Gitea or a plain
 * server would be: user `git` whose login shell is /usr/bin/git-shell (it runs git-upload-pack
 * and nothing else), a bare repository in its home, and authorized_keys holding deploy keys.
 * Served by the host's own sshd (port 22), so the host key Berth pins is that sshd's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onHost, TESTBED_DIR, testHost } from '@/test-support/testbed-hosts';

type HostName = 'berth-host-1' | 'berth-host-2';

function root(name: HostName, command: string): string {
  const r = onHost(name, command);
  if (r.status !== 0) throw new Error(`on ${name}: ${command} → exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The git user's home as this machine sees it (the host bind-mounts it over its /home). */
const gitHome = (name: HostName) => path.join(TESTBED_DIR, 'hosts', name, 'home', 'git');

export function gitServer(name: HostName) {
  const host = testHost(name);
  return {
    host,
    /**
     * Makes the git user (once) and a bare copy of `sourceDir` at /home/git/<repo>.git; returns
     * the repository's URL in both forms Berth accepts.
     */
    createRepo(repo: string, sourceDir: string): { scpUrl: string; sshUrl: string } {
      root(name, 'id -u git >/dev/null 2>&1 || useradd --create-home --shell /usr/bin/git-shell git');
      const bare = path.join(gitHome(name), `${repo}.git`);
      fs.rmSync(bare, { recursive: true, force: true });
      execFileSync('git', ['clone', '--bare', '--quiet', '--', sourceDir, bare], { stdio: 'pipe' });
      root(name, `chown -R git:git /home/git/${repo}.git`);
      return { scpUrl: `git@${host.address}:${repo}.git`, sshUrl: `ssh://git@${host.address}:22/home/git/${repo}.git` };
    },
    /** authorized_keys holds exactly these public lines (none: every key is refused). */
    authorize(publicKeys: string[]): void {
      const dir = path.join(gitHome(name), '.ssh');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'authorized_keys'), publicKeys.map((k) => `${k.trim()}\n`).join(''));
      // sshd's StrictModes: the home, .ssh and the file must be the user's and not writable by others.
      root(name, 'chown -R git:git /home/git/.ssh && chmod 700 /home/git/.ssh && chmod 600 /home/git/.ssh/authorized_keys');
    },
    /** Removes the git user and its home. */
    remove(): void {
      root(name, 'userdel --remove git >/dev/null 2>&1 || true');
      fs.rmSync(gitHome(name), { recursive: true, force: true });
    },
  };
}

import type { Db } from '@/db';
import { findGitHostKey, pinGitHostKeyOnce, recordPresentedGitHostKey } from '@/db/queries/deploy-keys';
import type { GitHostKey } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import type { KeyRing } from '@/lib/crypto';
import { parseSshRepository, type SshRepository } from '@/lib/model/git-ssh-url';
import { probeHostKey } from '@/lib/remote/probe-host-key';
import { ensureDeployKey, openDeployKey } from './deploy-key';
import { DeployKeyRefusedError, GitHostError, GitHostKeyChangedError } from './errors';
import { knownHostsLine, withGitSsh } from './git-ssh';

// What OpenSSH prints when the key it met is not the one known (changed, or another algorithm).
const HOST_KEY_REFUSED = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i;
const KEY_REFUSED = /Permission denied \(publickey/;

/** The git host's pinned key; on the first fetch from it, the key it presents now (trust on first use, audited). */
async function pinnedKey(db: Db, repo: SshRepository): Promise<GitHostKey> {
  const pinned = await findGitHostKey(db, repo.host, repo.port);
  if (pinned) return pinned;
  const probe = await probeHostKey({ host: repo.host, port: repo.port }).catch((err: Error) => {
    throw new GitHostError(`Cannot reach the git host ${repo.host}:${repo.port} to learn its host key: ${err.message}`);
  });
  const row = await pinGitHostKeyOnce(db, { host: repo.host, port: repo.port, publicKey: probe.publicKey, fingerprint: probe.fingerprint });
  if (row.fingerprint === probe.fingerprint)
    await recordAudit(db, {
      action: 'git-host.pin',
      target: `git-host:${repo.host}:${repo.port}`,
      outcome: 'success',
      details: { fingerprint: probe.fingerprint, firstFetch: true },
    });
  return row;
}

/** ssh refused the host key: learn what the host presents now, remember it for an admin, and say both fingerprints. */
async function hostKeyRefused(db: Db, repo: SshRepository, pin: GitHostKey): Promise<Error> {
  const presented = await probeHostKey({ host: repo.host, port: repo.port }).catch(() => undefined);
  if (!presented) return new GitHostError(`ssh refused the host key of ${repo.host}:${repo.port} (pinned ${pin.fingerprint}).`);
  if (presented.fingerprint === pin.fingerprint)
    return new GitHostError(`ssh refused the host key of ${repo.host}:${repo.port} although it matches the pin ${pin.fingerprint}.`);
  await recordPresentedGitHostKey(db, repo.host, repo.port, { publicKey: presented.publicKey, fingerprint: presented.fingerprint });
  return new GitHostKeyChangedError(repo.host, repo.port, pin.fingerprint, presented.fingerprint);
}

/**
 * Runs a git operation (`fn`) with what the repository needs: nothing for https and local paths;
 * for SSH URLs the app's deploy key (made on first use) and the git host's pinned key. ssh's
 * refusals come back as errors naming the key to add, or both host key fingerprints.
 */
export async function withRepositoryAccess<T>(
  db: Db,
  ring: KeyRing,
  dataDir: string,
  app: { id: string; slug: string },
  repository: string,
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const repo = parseSshRepository(repository);
  if (!repo) return fn({});
  const key = await ensureDeployKey(db, ring, app);
  const pin = await pinnedKey(db, repo);
  try {
    const secrets = { privateKey: openDeployKey(ring, key), knownHosts: knownHostsLine(repo, pin.publicKey) };
    return await withGitSsh(dataDir, secrets, fn);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    if (HOST_KEY_REFUSED.test(stderr)) throw await hostKeyRefused(db, repo, pin);
    if (KEY_REFUSED.test(stderr)) throw new DeployKeyRefusedError(repo.host, key.fingerprint);
    throw err;
  }
}

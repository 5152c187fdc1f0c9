import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findDeployKey, findGitHostKey } from '@/db/queries/deploy-keys';
import { parseSshRepository } from '@/lib/model/git-ssh-url';

/** What the app's deploy key card shows: public parts only (the private key never leaves the sealed column). */
export type DeployKeyView = {
  sshRepository: boolean;
  key: { publicKey: string; fingerprint: string; createdAt: Date } | undefined;
  gitHost:
    | { host: string; port: number; fingerprint: string | undefined; presentedFingerprint: string | null; pinnedAt: Date | undefined }
    | undefined;
};

export async function loadDeployKeyView(appId: string): Promise<DeployKeyView | undefined> {
  const app = await findApp(db(), appId);
  if (!app) return undefined;
  const key = await findDeployKey(db(), appId);
  const repo = app.config.repository ? parseSshRepository(app.config.repository) : undefined;
  const pin = repo && (await findGitHostKey(db(), repo.host, repo.port));
  return {
    sshRepository: Boolean(repo),
    key: key && { publicKey: key.publicKey, fingerprint: key.fingerprint, createdAt: key.createdAt },
    gitHost: repo && {
      host: repo.host,
      port: repo.port,
      fingerprint: pin?.fingerprint,
      presentedFingerprint: pin?.presentedFingerprint ?? null,
      pinnedAt: pin?.pinnedAt,
    },
  };
}

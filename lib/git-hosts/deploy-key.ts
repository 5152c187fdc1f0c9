import type { Db } from '@/db';
import { findDeployKey, insertDeployKeyOnce, replaceDeployKey } from '@/db/queries/deploy-keys';
import type { AppDeployKey } from '@/db/schema';
import { deployKeyAad } from '@/db/sealed-aad';
import { open, seal, type KeyRing } from '@/lib/crypto';
import { fingerprintOf } from '@/lib/remote/fingerprint';
import { generateKeyPair } from '@/lib/servers/keys';

/**
 * An app's deploy key: an ed25519 pair made by the panel (the same generator as the panel's own
 * server keys), the private half sealed with the app's identity as AAD. Only the public line and
 * its fingerprint ever leave this module, except to the one-fetch key file (git-ssh.ts).
 */
export type DeployKeyView = Pick<AppDeployKey, 'publicKey' | 'fingerprint' | 'createdAt'>;

/** "SHA256:…" of a public line, as `ssh-keygen -lf` and GitHub's deploy key list show it. */
export const publicKeyFingerprint = (publicLine: string) => fingerprintOf(Buffer.from(publicLine.split(' ')[1] ?? '', 'base64'));

function makeKey(ring: KeyRing, appId: string, comment: string) {
  const pair = generateKeyPair(comment);
  return {
    appId,
    publicKey: pair.publicKey.trim(),
    fingerprint: publicKeyFingerprint(pair.publicKey),
    privateKeySealed: seal(ring, pair.privateKey, deployKeyAad(appId)),
  };
}

const commentFor = (slug: string) => `berth-deploy-${slug}`;

/** The app's key, made on first use (the first ssh fetch or the Generate button). */
export async function ensureDeployKey(db: Db, ring: KeyRing, app: { id: string; slug: string }): Promise<AppDeployKey> {
  return (await findDeployKey(db, app.id)) ?? insertDeployKeyOnce(db, makeKey(ring, app.id, commentFor(app.slug)));
}

/** A new pair replaces the old one: the old public key stops working once removed from the git host. */
export async function regenerateDeployKey(db: Db, ring: KeyRing, app: { id: string; slug: string }) {
  const key = makeKey(ring, app.id, commentFor(app.slug));
  const { replaced } = await replaceDeployKey(db, key);
  return { replaced, fingerprint: key.fingerprint };
}

export const openDeployKey = (ring: KeyRing, key: Pick<AppDeployKey, 'appId' | 'privateKeySealed'>) =>
  open(ring, key.privateKeySealed, deployKeyAad(key.appId));

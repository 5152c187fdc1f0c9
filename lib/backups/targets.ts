import { randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import { findTargetByName, insertTarget, keptBackupsOnTarget, updateTarget } from '@/db/queries/backups';
import type { BackupTarget } from '@/db/schema';
import { backupCredentialAad, backupRepoKeyAad } from '@/db/sealed-aad';
import { type KeyRing, open, seal } from '@/lib/crypto';
import type { TargetSettings } from '@/lib/model/backup-policy';

/** A target's secrets in the clear, for one run only: never logged, sent to servers as 0600 files. */
export type TargetSecrets = {
  /** The S3 secret access key, or the SFTP private key (OpenSSH PEM); null for local targets. */
  credential: string | null;
  /** The restic repository password: the encryption key of every backup on this target. */
  repoKey: string;
};

/** 32 random bytes: what a lost panel's operator must have kept to read the backups (README: key custody). */
export const newRepoKey = () => randomBytes(32).toString('base64url');

export const needsCredential = (kind: TargetSettings['kind']) => kind !== 'local';

export function openTargetSecrets(ring: KeyRing, target: Pick<BackupTarget, 'id' | 'credentialSealed' | 'repoKeySealed'>): TargetSecrets {
  return {
    credential: target.credentialSealed ? open(ring, target.credentialSealed, backupCredentialAad(target.id)) : null,
    repoKey: open(ring, target.repoKeySealed, backupRepoKeyAad(target.id)),
  };
}

export type SaveTarget = {
  name: string;
  settings: TargetSettings;
  /** A new credential; undefined keeps the stored one (an edit that does not retype it). */
  credential?: string;
  /** Only when adopting an existing repository (a restored panel, a second panel): its password. */
  repoKey?: string;
  /**
   * From a definition, which holds only a reference: a missing credential is allowed (the target
   * "needs value" until an admin sets it), and a moved destination drops the stored one.
   */
  fromDefinition?: boolean;
};

/**
 * Creates or updates a target by name. The repository key is made once and never changes on
 * edit: every backup already on the target is encrypted with it. A changed destination with
 * the old credential is refused, so a secret meant for one host never goes to another.
 */
export async function saveTarget(db: Db, ring: KeyRing, input: SaveTarget): Promise<{ target: BackupTarget; created: boolean }> {
  const existing = await findTargetByName(db, input.name);
  if (!existing) {
    if (needsCredential(input.settings.kind) && !input.credential && !input.fromDefinition)
      throw new Error(credentialMissing(input.settings.kind));
    const id = crypto.randomUUID();
    const target = await insertTarget(db, {
      id,
      name: input.name,
      kind: input.settings.kind,
      settings: input.settings,
      credentialSealed: input.credential ? seal(ring, input.credential, backupCredentialAad(id)) : null,
      repoKeySealed: seal(ring, input.repoKey ?? newRepoKey(), backupRepoKeyAad(id)),
    });
    return { target, created: true };
  }
  // Every backup already on it is in that kind of store: a new kind is a new target.
  if (existing.kind !== input.settings.kind)
    throw new Error(
      `Enter a new name: a target's kind cannot change (${existing.kind} → ${input.settings.kind}), its backups stay where they are`,
    );
  const kept = await keptBackupsOnTarget(db, existing.id);
  if (kept > 0 && locationOf(existing.settings) !== locationOf(input.settings))
    throw new Error(
      `Enter a new name for the new location: ${kept} backups are kept at ${locationOf(existing.settings)}, and this target is how Berth reads them`,
    );
  const moved = destinationOf(existing.settings) !== destinationOf(input.settings);
  if (moved && needsCredential(input.settings.kind) && !input.credential && !input.fromDefinition)
    throw new Error('Enter the credential again: the destination changed');
  const credentialSealed = !needsCredential(input.settings.kind)
    ? null
    : input.credential
      ? seal(ring, input.credential, backupCredentialAad(existing.id))
      : moved
        ? null
        : existing.credentialSealed;
  await updateTarget(db, existing.id, {
    kind: input.settings.kind,
    settings: input.settings,
    credentialSealed,
    ...(input.repoKey ? { repoKeySealed: seal(ring, input.repoKey, backupRepoKeyAad(existing.id)) } : {}),
    ...(moved ? { lastTest: null } : {}),
  });
  return { target: (await findTargetByName(db, input.name))!, created: false };
}

const credentialMissing = (kind: TargetSettings['kind']) =>
  kind === 's3' ? 'Enter the secret access key' : 'Paste the private key the server logs in to the SFTP target with';

/** Where the repositories are: the backups already made stay there. */
function locationOf(s: TargetSettings): string {
  if (s.kind === 's3') return `${s.endpoint}/${s.bucket}`;
  if (s.kind === 'sftp') return `${s.user}@${s.host}:${s.port}/${s.path}`;
  return s.path;
}

/** Where a target's data goes: a credential is bound to it. */
function destinationOf(s: TargetSettings): string {
  if (s.kind === 's3') return `s3:${s.endpoint}:${s.accessKeyId}`;
  if (s.kind === 'sftp') return `sftp:${s.user}@${s.host}:${s.port}`;
  return 'local';
}

import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { appDeployKeys, gitHostKeys, type AppDeployKey, type GitHostKey } from '../schema';
import { deployKeyAad } from '../sealed-aad';
import type { SealedColumn } from './sealed-columns';

export async function findDeployKey(db: Db, appId: string): Promise<AppDeployKey | undefined> {
  const [row] = await db.select().from(appDeployKeys).where(eq(appDeployKeys.appId, appId));
  return row;
}

/** Stores the app's key only if it has none yet; returns the key that is stored (a concurrent first fetch may have won). */
export async function insertDeployKeyOnce(db: Db, key: Omit<AppDeployKey, 'createdAt'>): Promise<AppDeployKey> {
  await db.insert(appDeployKeys).values(key).onConflictDoNothing();
  return (await findDeployKey(db, key.appId))!;
}

/** Replaces the app's key (regenerate); says whether one existed. */
export async function replaceDeployKey(db: Db, key: Omit<AppDeployKey, 'createdAt'>): Promise<{ replaced: boolean }> {
  const existed = Boolean(await findDeployKey(db, key.appId));
  const { appId, ...rest } = key;
  await db
    .insert(appDeployKeys)
    .values(key)
    .onConflictDoUpdate({ target: appDeployKeys.appId, set: { ...rest, createdAt: new Date() } });
  return { replaced: existed };
}

export async function findGitHostKey(db: Db, host: string, port: number): Promise<GitHostKey | undefined> {
  const [row] = await db
    .select()
    .from(gitHostKeys)
    .where(and(eq(gitHostKeys.host, host), eq(gitHostKeys.port, port)));
  return row;
}

/** Pins a git host's key unless one is pinned already; returns the pinned row (the first writer's key wins). */
export async function pinGitHostKeyOnce(
  db: Db,
  pin: { host: string; port: number; publicKey: string; fingerprint: string },
): Promise<GitHostKey> {
  await db.insert(gitHostKeys).values(pin).onConflictDoNothing();
  return (await findGitHostKey(db, pin.host, pin.port))!;
}

/** Remembers the other key a git host presented, for an admin to compare and accept. */
export async function recordPresentedGitHostKey(
  db: Db,
  host: string,
  port: number,
  presented: { publicKey: string; fingerprint: string },
): Promise<void> {
  await db
    .update(gitHostKeys)
    .set({ presentedPublicKey: presented.publicKey, presentedFingerprint: presented.fingerprint })
    .where(and(eq(gitHostKeys.host, host), eq(gitHostKeys.port, port)));
}

/**
 * Pins the key the host presented, but only the one the admin saw (by fingerprint): a key that
 * changed again since the page was drawn is not accepted blind. Returns the new pin, or undefined.
 */
export async function acceptPresentedGitHostKey(db: Db, host: string, port: number, fingerprint: string): Promise<GitHostKey | undefined> {
  const [row] = await db
    .update(gitHostKeys)
    .set({
      publicKey: sql`${gitHostKeys.presentedPublicKey}`,
      fingerprint: sql`${gitHostKeys.presentedFingerprint}`,
      presentedPublicKey: null,
      presentedFingerprint: null,
      pinnedAt: new Date(),
    })
    .where(and(eq(gitHostKeys.host, host), eq(gitHostKeys.port, port), eq(gitHostKeys.presentedFingerprint, fingerprint)))
    .returning();
  return row;
}

/** app_deploy_keys.private_key_sealed, for key rotation (listed in SEALED_COLUMNS). */
export const deployKeySealedColumn: SealedColumn = {
  table: 'app_deploy_keys',
  column: 'private_key_sealed',
  async read(db, opts) {
    const query = db.select({ appId: appDeployKeys.appId, sealed: appDeployKeys.privateKeySealed }).from(appDeployKeys);
    const rows = opts?.lock ? await query.for('update') : await query;
    return rows.map((r) => ({
      id: `app_id=${r.appId}`,
      sealed: r.sealed,
      aad: deployKeyAad(r.appId),
      write: (w, sealed) =>
        w
          .update(appDeployKeys)
          .set({ privateKeySealed: sealed })
          .where(eq(appDeployKeys.appId, r.appId))
          .then(() => {}),
    }));
  },
};

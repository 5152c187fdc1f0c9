import type { Db } from '@/db';
import { findEnvRevision, insertEnvRevision, latestEnvRevisionNumber, lockAppForEnv } from '@/db/queries/env-revisions';
import { deleteEnvValues, openEnvRows, upsertEnvValues } from '@/db/queries/env-values';
import type { EnvChange, EnvRevisionSource } from '@/db/schema';
import { envRevisionAad } from '@/db/sealed-aad';
import { open, seal, type KeyRing } from '@/lib/crypto';

/** A whole environment at one revision: what a push writes and a restore brings back. */
export type EnvSnapshot = { values: Record<string, string>; managed: string[] };

/** Someone saved since the editor was loaded: saving would silently undo their change. */
export class EnvConflictError extends Error {
  override name = 'EnvConflictError';
}

/** Keys only: which were added, changed or removed going from `before` to `after`. */
export function diffEnv(before: Record<string, string>, after: Record<string, string>): EnvChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: EnvChange[] = [];
  for (const key of keys) {
    if (!(key in before)) changes.push({ key, kind: 'added' });
    else if (!(key in after)) changes.push({ key, kind: 'removed' });
    else if (before[key] !== after[key]) changes.push({ key, kind: 'changed' });
  }
  return changes;
}

export async function openEnvRevision(db: Db, ring: KeyRing, appId: string, number: number): Promise<EnvSnapshot> {
  const row = await findEnvRevision(db, appId, number);
  if (!row) throw new Error(`Revision ${number} does not exist.`);
  return JSON.parse(open(ring, row.sealedSnapshot, envRevisionAad(appId, number))) as EnvSnapshot;
}

/** The saved environment and the revision it is. */
export async function currentEnv(db: Db, ring: KeyRing, appId: string): Promise<EnvSnapshot & { revision: number }> {
  const rows = await openEnvRows(db, ring, appId);
  return {
    revision: await latestEnvRevisionNumber(db, appId),
    values: Object.fromEntries(rows.map((r) => [r.key, r.value])),
    managed: rows.filter((r) => r.managed).map((r) => r.key),
  };
}

export type SaveMeta = {
  source: Exclude<EnvRevisionSource, 'managed'>;
  createdBy: number;
  /** The revision the editor showed; a save on top of a newer one is refused (EnvConflictError). */
  baseRevision?: number;
  restoredFrom?: number;
  pulledFrom?: string;
};

export type SaveOutcome = { revision: number; changes: EnvChange[] };

/**
 * The one way a person changes an app's environment: in one transaction, with the app row
 * locked, the values are written and a revision records the whole result. A key Berth generated
 * stays marked managed when edited; a managed key removed is generated again by the next
 * configure. Saving what is already there makes no revision.
 */
export async function saveEnv(db: Db, ring: KeyRing, appId: string, values: Record<string, string>, meta: SaveMeta): Promise<SaveOutcome> {
  return db.transaction(async (tx) => {
    if (!(await lockAppForEnv(tx, appId))) throw new Error('The app no longer exists.');
    const latest = await latestEnvRevisionNumber(tx, appId);
    if (meta.baseRevision !== undefined && meta.baseRevision !== latest) {
      throw new EnvConflictError(
        `Revision ${latest} was saved after you opened the editor (you had ${meta.baseRevision}). Reload to see it; nothing was saved.`,
      );
    }
    const rows = await openEnvRows(tx, ring, appId);
    const before = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    const wasManaged = new Set(rows.filter((r) => r.managed).map((r) => r.key));
    const changes = diffEnv(before, values);
    if (changes.length === 0) return { revision: latest, changes };

    await deleteEnvValues(
      tx,
      appId,
      changes.filter((c) => c.kind === 'removed').map((c) => c.key),
    );
    const written = changes.filter((c) => c.kind !== 'removed').map((c) => c.key);
    const pick = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, values[key]!]));
    await upsertEnvValues(tx, ring, appId, pick(written.filter((k) => wasManaged.has(k))), true);
    await upsertEnvValues(tx, ring, appId, pick(written.filter((k) => !wasManaged.has(k))), false);
    const revision = latest + 1;
    await insertEnvRevision(tx, {
      appId,
      number: revision,
      sealedSnapshot: sealSnapshot(ring, appId, revision, { values, managed: Object.keys(values).filter((k) => wasManaged.has(k)) }),
      changes,
      source: meta.source,
      restoredFrom: meta.restoredFrom,
      pulledFrom: meta.pulledFrom,
      createdBy: meta.createdBy,
    });
    return { revision, changes };
  });
}

/**
 * The way Berth itself changes values (generated credentials): `write` runs with the app row
 * locked, in the same transaction as the revision that records the result, so an editor save
 * cannot slip in between and drop what was just generated.
 */
export async function writeManagedEnv(db: Db, ring: KeyRing, appId: string, write: (tx: Db) => Promise<void>): Promise<SaveOutcome> {
  return db.transaction(async (tx) => {
    if (!(await lockAppForEnv(tx, appId))) throw new Error('The app no longer exists.');
    await write(tx);
    const latest = await latestEnvRevisionNumber(tx, appId);
    const rows = await openEnvRows(tx, ring, appId);
    const now = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    const before = latest ? (await openEnvRevision(tx, ring, appId, latest)).values : {};
    const changes = diffEnv(before, now);
    if (changes.length === 0) return { revision: latest, changes };
    const revision = latest + 1;
    const snapshot = { values: now, managed: rows.filter((r) => r.managed).map((r) => r.key) };
    await insertEnvRevision(tx, {
      appId,
      number: revision,
      sealedSnapshot: sealSnapshot(ring, appId, revision, snapshot),
      changes,
      source: 'managed',
      createdBy: null,
    });
    return { revision, changes };
  });
}

/** Records what is stored as a revision when it differs from the newest one (e.g. values stored before revisions existed). */
export const recordManagedEnvRevision = (db: Db, ring: KeyRing, appId: string) => writeManagedEnv(db, ring, appId, async () => {});

function sealSnapshot(ring: KeyRing, appId: string, number: number, snapshot: EnvSnapshot): string {
  return seal(ring, JSON.stringify(snapshot), envRevisionAad(appId, number));
}

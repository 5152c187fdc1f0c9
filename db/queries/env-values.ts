import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { open, seal, type KeyRing } from '@/lib/crypto';
import type { Db } from '../client';
import { appEnvValues } from '../schema';
import { envValueAad } from '../sealed-aad';

export type EnvKey = { key: string; managed: boolean; updatedAt: Date };

/** Keys only, for pages: values never leave the server unless someone reveals one. */
export async function listEnvKeys(db: Db, appId: string): Promise<EnvKey[]> {
  return db
    .select({ key: appEnvValues.key, managed: appEnvValues.managed, updatedAt: appEnvValues.updatedAt })
    .from(appEnvValues)
    .where(eq(appEnvValues.appId, appId))
    .orderBy(asc(appEnvValues.key));
}

/** Opens the app's values (all, or the keys named); a value that does not open throws SealError. */
export async function openEnvValues(db: Db, ring: KeyRing, appId: string, keys?: readonly string[]): Promise<Record<string, string>> {
  const where = keys ? and(eq(appEnvValues.appId, appId), inArray(appEnvValues.key, [...keys])) : eq(appEnvValues.appId, appId);
  const rows = await db.select({ key: appEnvValues.key, sealedValue: appEnvValues.sealedValue }).from(appEnvValues).where(where);
  return Object.fromEntries(rows.map((r) => [r.key, open(ring, r.sealedValue, envValueAad(appId, r.key))]));
}

/** Seals and writes each value, replacing what is there. */
export async function upsertEnvValues(
  db: Db,
  ring: KeyRing,
  appId: string,
  values: Record<string, string>,
  managed: boolean,
): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({
    appId,
    key,
    managed,
    sealedValue: seal(ring, value, envValueAad(appId, key)),
  }));
  if (rows.length === 0) return;
  await db
    .insert(appEnvValues)
    .values(rows)
    .onConflictDoUpdate({
      target: [appEnvValues.appId, appEnvValues.key],
      set: { sealedValue: sql`excluded.sealed_value`, managed: sql`excluded.managed`, updatedAt: new Date() },
    });
}

/**
 * Seals and writes each value only where the key has none yet, so two runs racing to generate
 * a password keep the first one; the caller reads back what is stored.
 */
export async function insertMissingEnvValues(
  db: Db,
  ring: KeyRing,
  appId: string,
  values: Record<string, string>,
  managed: boolean,
): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({
    appId,
    key,
    managed,
    sealedValue: seal(ring, value, envValueAad(appId, key)),
  }));
  if (rows.length === 0) return;
  await db
    .insert(appEnvValues)
    .values(rows)
    .onConflictDoNothing({ target: [appEnvValues.appId, appEnvValues.key] });
}

/** Deletes the keys named where Berth manages them; a value someone set by hand stays. */
export async function deleteManagedEnvValues(db: Db, appId: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .delete(appEnvValues)
    .where(and(eq(appEnvValues.appId, appId), inArray(appEnvValues.key, [...keys]), eq(appEnvValues.managed, true)));
}

/** Every value of the app with its managed flag, opened: the state a save starts from. */
export async function openEnvRows(db: Db, ring: KeyRing, appId: string): Promise<{ key: string; value: string; managed: boolean }[]> {
  const rows = await db.select().from(appEnvValues).where(eq(appEnvValues.appId, appId)).orderBy(asc(appEnvValues.key));
  return rows.map((r) => ({ key: r.key, managed: r.managed, value: open(ring, r.sealedValue, envValueAad(appId, r.key)) }));
}

/** Deletes the keys named, managed or not (the env editor's removals). */
export async function deleteEnvValues(db: Db, appId: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.delete(appEnvValues).where(and(eq(appEnvValues.appId, appId), inArray(appEnvValues.key, [...keys])));
}

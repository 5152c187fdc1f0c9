import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { settings } from '../schema';

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return row?.value;
}

export async function putSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
}

/** Deletes the row only if it still holds `value`; true when this caller took it (one winner under races). */
export async function takeSetting(db: Db, key: string, value: string): Promise<boolean> {
  const rows = await db
    .delete(settings)
    .where(and(eq(settings.key, key), eq(settings.value, value)))
    .returning({ key: settings.key });
  return rows.length === 1;
}

/** Writes the value only where the key has none yet; true when this call wrote it (one winner under races, no read after). */
export async function insertSettingIfMissing(db: Db, key: string, value: string): Promise<boolean> {
  const rows = await db
    .insert(settings)
    .values({ key, value })
    .onConflictDoNothing({ target: settings.key })
    .returning({ key: settings.key });
  return rows.length === 1;
}

/** Writes the value only where the key has none yet, and returns what is stored: under races, the first writer's value. */
export async function putSettingIfMissing(db: Db, key: string, value: string): Promise<string> {
  await db.insert(settings).values({ key, value }).onConflictDoNothing({ target: settings.key });
  return (await getSetting(db, key)) ?? value;
}

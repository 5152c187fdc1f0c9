import { and, desc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { Db } from '../client';
import { dbSnapshots, recipeRuns, settings, type DbSnapshot, type RecipeRun } from '../schema';

/**
 * db_snapshots has no size column (and this change adds no migration): the size lives in a
 * settings row beside it, keyed by the snapshot, written with it and deleted with its file.
 * TODO: a `size_bytes` column on db_snapshots, then drop these rows.
 */
const sizeKey = (id: string) => `db-snapshot-size:${id}`;

export type SnapshotRow = DbSnapshot & { sizeBytes: number | null };

export async function insertSnapshot(
  db: Db,
  s: Pick<DbSnapshot, 'appId' | 'releaseId' | 'serverId' | 'path' | 'createdAt' | 'expiresAt' | 'restoredAt'>,
  sizeBytes: number,
): Promise<DbSnapshot> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(dbSnapshots).values(s).returning();
    if (Number.isFinite(sizeBytes)) await tx.insert(settings).values({ key: sizeKey(row!.id), value: String(sizeBytes) });
    return row!;
  });
}

export async function findSnapshot(db: Db, id: string): Promise<DbSnapshot | undefined> {
  const [row] = await db.select().from(dbSnapshots).where(eq(dbSnapshots.id, id));
  return row;
}

/** A release's snapshots (one per release in practice: the data server's), newest first, with their sizes. */
export async function snapshotsOfRelease(db: Db, releaseId: string): Promise<SnapshotRow[]> {
  const rows = await db.select().from(dbSnapshots).where(eq(dbSnapshots.releaseId, releaseId)).orderBy(desc(dbSnapshots.createdAt));
  if (rows.length === 0) return [];
  const sizes = await db
    .select()
    .from(settings)
    .where(
      inArray(
        settings.key,
        rows.map((r) => sizeKey(r.id)),
      ),
    );
  const sizeOf = new Map(sizes.map((s) => [s.key, Number(s.value)]));
  return rows.map((r) => ({ ...r, sizeBytes: sizeOf.get(sizeKey(r.id)) ?? null }));
}

/** Expired and still on the server: what the data server's next release cleanup removes. */
export async function expiredSnapshots(db: Db, appId: string, serverId: string, now: Date): Promise<DbSnapshot[]> {
  return db
    .select()
    .from(dbSnapshots)
    .where(
      and(eq(dbSnapshots.appId, appId), eq(dbSnapshots.serverId, serverId), isNull(dbSnapshots.deletedAt), lte(dbSnapshots.expiresAt, now)),
    );
}

export async function markSnapshotsDeleted(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.update(dbSnapshots).set({ deletedAt: at }).where(inArray(dbSnapshots.id, ids));
    await tx.delete(settings).where(inArray(settings.key, ids.map(sizeKey)));
  });
}

export async function markSnapshotRestored(db: Db, id: string, at: Date): Promise<void> {
  await db.update(dbSnapshots).set({ restoredAt: at }).where(eq(dbSnapshots.id, id));
}

export const RESTORE_RECIPE = 'snapshot-restore';

/**
 * A "restore snapshot" run, attached to the snapshot's release so the release page lists it with
 * its log. Without a release (deleted) it is a plain app run on that server, and then the
 * one-active-run-per-server index applies.
 */
export async function insertRestoreRun(
  db: Db,
  r: { appId: string; serverId: string; releaseId: string | null; requestedBy: number | null },
): Promise<RecipeRun> {
  const [row] = await db
    .insert(recipeRuns)
    .values({ ...r, recipe: RESTORE_RECIPE })
    .returning();
  return row!;
}

/** The restore runs of a release, newest first. */
export async function restoreRunsOfRelease(db: Db, releaseId: string): Promise<RecipeRun[]> {
  return db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.releaseId, releaseId), eq(recipeRuns.recipe, RESTORE_RECIPE)))
    .orderBy(desc(recipeRuns.createdAt));
}

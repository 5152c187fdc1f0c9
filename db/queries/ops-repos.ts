import { and, desc, eq, lt, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { opsCommits, opsDeliveries, opsRepos, type OpsCommit, type OpsRepo } from '../schema';

export async function insertOpsRepo(db: Db, row: typeof opsRepos.$inferInsert & { id: string }): Promise<OpsRepo> {
  const [created] = await db.insert(opsRepos).values(row).returning();
  return created!;
}

export async function findOpsRepo(db: Db, id: string): Promise<OpsRepo | undefined> {
  const [row] = await db.select().from(opsRepos).where(eq(opsRepos.id, id));
  return row;
}

export async function listOpsRepos(db: Db): Promise<OpsRepo[]> {
  return db.select().from(opsRepos).orderBy(opsRepos.createdAt);
}

export async function commitsOf(db: Db, repoId: string, limit = 20): Promise<OpsCommit[]> {
  return db.select().from(opsCommits).where(eq(opsCommits.repoId, repoId)).orderBy(desc(opsCommits.receivedAt)).limit(limit);
}

export async function findOpsCommit(db: Db, id: string): Promise<OpsCommit | undefined> {
  const [row] = await db.select().from(opsCommits).where(eq(opsCommits.id, id));
  return row;
}

export async function findCommitBySha(db: Db, repoId: string, sha: string): Promise<OpsCommit | undefined> {
  const [row] = await db
    .select()
    .from(opsCommits)
    .where(and(eq(opsCommits.repoId, repoId), eq(opsCommits.sha, sha)));
  return row;
}

export async function insertOpsCommit(db: Db, row: typeof opsCommits.$inferInsert): Promise<OpsCommit> {
  const [created] = await db.insert(opsCommits).values(row).returning();
  return created!;
}

export async function updateOpsCommit(db: Db, id: string, patch: Partial<OpsCommit>): Promise<void> {
  await db.update(opsCommits).set(patch).where(eq(opsCommits.id, id));
}

/** A newer commit replaces what waited for approval: only the newest definition may be applied. */
export async function supersedeWaiting(db: Db, repoId: string, exceptId: string): Promise<void> {
  await db
    .update(opsCommits)
    .set({ status: 'superseded', finishedAt: new Date() })
    .where(and(eq(opsCommits.repoId, repoId), eq(opsCommits.status, 'waiting'), ne(opsCommits.id, exceptId)));
}

/** Records a delivery's signature; false when it was already accepted (a replay). */
export async function claimOpsDelivery(db: Db, repoId: string, signature: string): Promise<boolean> {
  const rows = await db
    .insert(opsDeliveries)
    .values({ repoId, signature })
    .onConflictDoNothing()
    .returning({ repoId: opsDeliveries.repoId });
  return rows.length > 0;
}

export async function unclaimOpsDelivery(db: Db, repoId: string, signature: string): Promise<void> {
  await db.delete(opsDeliveries).where(and(eq(opsDeliveries.repoId, repoId), eq(opsDeliveries.signature, signature)));
}

export async function pruneOpsDeliveries(db: Db, repoId: string, before: Date): Promise<void> {
  await db.delete(opsDeliveries).where(and(eq(opsDeliveries.repoId, repoId), lt(opsDeliveries.receivedAt, before)));
}

import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { driftFindings, type DriftChange, type DriftFinding } from '../schema';

export async function findingsOfServer(db: Db, serverId: string): Promise<DriftFinding[]> {
  return db.select().from(driftFindings).where(eq(driftFindings.serverId, serverId)).orderBy(asc(driftFindings.subject));
}

export async function findingsOfApp(db: Db, appId: string): Promise<DriftFinding[]> {
  return db.select().from(driftFindings).where(eq(driftFindings.appId, appId)).orderBy(asc(driftFindings.subject));
}

export async function findFinding(db: Db, id: string): Promise<DriftFinding | undefined> {
  const [row] = await db.select().from(driftFindings).where(eq(driftFindings.id, id));
  return row;
}

type Fresh = { appId: string | null; subject: string; change: DriftChange; diff: string | null; fingerprint: string };

/** One check's outcome for one server, in one transaction: fresh findings (un-dismissed), the rest touched or deleted. */
export async function saveServerDrift(
  db: Db,
  serverId: string,
  change: { fresh: Fresh[]; seenAgain: string[]; resolved: string[] },
  at: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (change.resolved.length) await tx.delete(driftFindings).where(inArray(driftFindings.id, change.resolved));
    if (change.seenAgain.length) await tx.update(driftFindings).set({ lastSeenAt: at }).where(inArray(driftFindings.id, change.seenAgain));
    for (const f of change.fresh) {
      const row = { serverId, ...f, detectedAt: at, lastSeenAt: at, dismissedAt: null, dismissedBy: null };
      await tx
        .insert(driftFindings)
        .values(row)
        .onConflictDoUpdate({ target: [driftFindings.serverId, driftFindings.subject], set: row });
    }
  });
}

export async function dismissFinding(db: Db, id: string, userId: number): Promise<boolean> {
  const rows = await db
    .update(driftFindings)
    .set({ dismissedAt: new Date(), dismissedBy: userId })
    .where(and(eq(driftFindings.id, id), isNull(driftFindings.dismissedAt)))
    .returning({ id: driftFindings.id });
  return rows.length > 0;
}

import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '@/db';
import { type BackupRun, type BackupRunKind, backupRuns, type BackupTarget, backupTargets, type NewBackupRun } from '@/db/schema';

/** The only place that builds backup queries (targets and runs). */

export async function listTargets(db: Db): Promise<BackupTarget[]> {
  return db.select().from(backupTargets).orderBy(backupTargets.name);
}

export async function findTarget(db: Db, id: string): Promise<BackupTarget | undefined> {
  const [row] = await db.select().from(backupTargets).where(eq(backupTargets.id, id));
  return row;
}

export async function findTargetByName(db: Db, name: string): Promise<BackupTarget | undefined> {
  const [row] = await db.select().from(backupTargets).where(eq(backupTargets.name, name));
  return row;
}

export async function insertTarget(db: Db, row: typeof backupTargets.$inferInsert): Promise<BackupTarget> {
  const [created] = await db.insert(backupTargets).values(row).returning();
  return created!;
}

export async function updateTarget(db: Db, id: string, patch: Partial<typeof backupTargets.$inferInsert>): Promise<void> {
  await db
    .update(backupTargets)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(backupTargets.id, id));
}

export async function deleteTarget(db: Db, id: string): Promise<void> {
  await db.delete(backupTargets).where(eq(backupTargets.id, id));
}

/** Inserts a run; null when one of the same app, policy and kind is already queued or running (the unique index). */
export async function insertRunIfIdle(db: Db, row: NewBackupRun): Promise<BackupRun | null> {
  const [created] = await db.insert(backupRuns).values(row).onConflictDoNothing().returning();
  return created ?? null;
}

export async function insertRun(db: Db, row: NewBackupRun): Promise<BackupRun> {
  const [created] = await db.insert(backupRuns).values(row).returning();
  return created!;
}

export async function findBackupRun(db: Db, id: string): Promise<BackupRun | undefined> {
  const [row] = await db.select().from(backupRuns).where(eq(backupRuns.id, id));
  return row;
}

export async function updateBackupRun(db: Db, id: string, patch: Partial<NewBackupRun>): Promise<void> {
  await db.update(backupRuns).set(patch).where(eq(backupRuns.id, id));
}

export async function runsOfApp(db: Db, appId: string, limit = 50): Promise<BackupRun[]> {
  return db.select().from(backupRuns).where(eq(backupRuns.appId, appId)).orderBy(desc(backupRuns.createdAt)).limit(limit);
}

/** The newest run of a policy of one kind (optionally only succeeded ones). */
export async function latestRun(
  db: Db,
  appId: string,
  policy: string,
  kind: BackupRunKind,
  opts: { succeeded?: boolean } = {},
): Promise<BackupRun | undefined> {
  const [row] = await db
    .select()
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.appId, appId),
        eq(backupRuns.policy, policy),
        eq(backupRuns.kind, kind),
        opts.succeeded ? eq(backupRuns.status, 'succeeded') : undefined,
      ),
    )
    .orderBy(desc(backupRuns.createdAt))
    .limit(1);
  return row;
}

/** A policy's backups still on the target (not forgotten by retention), newest first; only those on `targetId` when given. */
export async function keptBackups(db: Db, appId: string, policy: string, targetId?: string): Promise<BackupRun[]> {
  return db
    .select()
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.appId, appId),
        eq(backupRuns.policy, policy),
        eq(backupRuns.kind, 'backup'),
        eq(backupRuns.status, 'succeeded'),
        isNull(backupRuns.forgottenAt),
        targetId === undefined ? undefined : eq(backupRuns.targetId, targetId),
      ),
    )
    .orderBy(desc(backupRuns.createdAt));
}

export async function markForgotten(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await db.update(backupRuns).set({ forgottenAt: at }).where(inArray(backupRuns.id, ids));
}

/** On start-up and from the stale sweep: runs left queued or running by a dead worker. */
export async function interruptBackupRun(db: Db, id: string): Promise<void> {
  await db
    .update(backupRuns)
    .set({ status: 'interrupted', finishedAt: new Date(), error: 'The panel stopped while this ran' })
    .where(and(eq(backupRuns.id, id), inArray(backupRuns.status, ['queued', 'running'])));
}

/** How many succeeded backups retention has not removed are on a target (what deleting it would orphan). */
export async function keptBackupsOnTarget(db: Db, targetId: string): Promise<number> {
  const rows = await db
    .select({ id: backupRuns.id })
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.targetId, targetId),
        eq(backupRuns.kind, 'backup'),
        eq(backupRuns.status, 'succeeded'),
        isNull(backupRuns.forgottenAt),
      ),
    );
  return rows.length;
}

/** queued → running, only if still queued: false when the run was interrupted (or started) meanwhile. */
export async function startQueuedBackupRun(db: Db, id: string, startedAt: Date): Promise<boolean> {
  const rows = await db
    .update(backupRuns)
    .set({ status: 'running', startedAt })
    .where(and(eq(backupRuns.id, id), eq(backupRuns.status, 'queued')))
    .returning({ id: backupRuns.id });
  return rows.length > 0;
}

/** Finishes a running run; the finished row, or undefined when it was no longer running (interrupted meanwhile). */
export async function finishRunningBackupRun(db: Db, id: string, patch: Partial<NewBackupRun>): Promise<BackupRun | undefined> {
  const [row] = await db
    .update(backupRuns)
    .set(patch)
    .where(and(eq(backupRuns.id, id), eq(backupRuns.status, 'running')))
    .returning();
  return row;
}

/** interruptBackupRun that says whether it was this call that interrupted the run (the row), so only one caller alerts. */
export async function interruptBackupRunOnce(db: Db, id: string): Promise<BackupRun | undefined> {
  const [row] = await db
    .update(backupRuns)
    .set({ status: 'interrupted', finishedAt: new Date(), error: 'The panel stopped while this ran' })
    .where(and(eq(backupRuns.id, id), inArray(backupRuns.status, ['queued', 'running'])))
    .returning();
  return row;
}

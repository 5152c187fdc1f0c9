import { eq, inArray, like, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apps, backupRuns, type BackupRunKind, monitors, type Monitor } from '../schema';

/** The reads and writes behind backup scheduling, dead-man monitors and backup metrics. */

/** Dead-man monitors carry this autoKey prefix (backup:<appId>:<policy>); the per-app HTTP checks use `app:`. */
export const BACKUP_MONITOR_PREFIX = 'backup:';

export type PolicyRunTimes = {
  /** The newest run's calendar time (its cron slot, or when it was asked for), whatever its outcome. */
  lastAt: Date;
  succeeded: number;
};

export const policyKindKey = (appId: string, policy: string, kind: BackupRunKind) => `${appId}:${policy}:${kind}`;

/**
 * For every app, policy and kind that ever ran: the newest run's slot and how many succeeded, in
 * one grouped statement (the scheduler asks every minute). Skipped and failed runs count for the
 * time: a slot that was tried is not tried again.
 */
export async function policyRunTimes(db: Db, kinds: BackupRunKind[]): Promise<Map<string, PolicyRunTimes>> {
  const rows = await db
    .select({
      appId: backupRuns.appId,
      policy: backupRuns.policy,
      kind: backupRuns.kind,
      lastAt: sql<string>`max(coalesce(${backupRuns.scheduledFor}, ${backupRuns.createdAt}))`,
      succeeded: sql<number>`count(*) filter (where ${backupRuns.status} = 'succeeded')`,
    })
    .from(backupRuns)
    .where(inArray(backupRuns.kind, kinds))
    .groupBy(backupRuns.appId, backupRuns.policy, backupRuns.kind);
  return new Map(
    rows.map((r) => [policyKindKey(r.appId, r.policy, r.kind), { lastAt: new Date(r.lastAt), succeeded: Number(r.succeeded) }]),
  );
}

export async function listBackupMonitors(db: Db): Promise<Monitor[]> {
  return db
    .select()
    .from(monitors)
    .where(like(monitors.autoKey, `${BACKUP_MONITOR_PREFIX}%`));
}

export async function findMonitorByAutoKey(db: Db, autoKey: string): Promise<Monitor | undefined> {
  const [row] = await db.select().from(monitors).where(eq(monitors.autoKey, autoKey));
  return row;
}

export type BackupTimes = { app: string; policy: string; lastSuccess: Date | null; lastRestoreVerified: Date | null };

/**
 * Per app and policy: when the newest backup succeeded and when a drill last proved one restores
 * (the restoreVerifiedAt a drill sets on its source backup), in one grouped statement.
 */
export async function backupTimes(db: Db): Promise<BackupTimes[]> {
  const rows = await db
    .select({
      app: apps.slug,
      policy: backupRuns.policy,
      lastSuccess: sql<
        string | null
      >`max(coalesce(${backupRuns.finishedAt}, ${backupRuns.createdAt})) filter (where ${backupRuns.status} = 'succeeded')`,
      lastRestoreVerified: sql<string | null>`max(${backupRuns.restoreVerifiedAt})`,
    })
    .from(backupRuns)
    .innerJoin(apps, eq(apps.id, backupRuns.appId))
    .where(eq(backupRuns.kind, 'backup'))
    .groupBy(apps.slug, backupRuns.policy)
    .orderBy(apps.slug, backupRuns.policy);
  const date = (v: string | null) => (v === null ? null : new Date(v));
  return rows.map((r) => ({
    app: r.app,
    policy: r.policy,
    lastSuccess: date(r.lastSuccess),
    lastRestoreVerified: date(r.lastRestoreVerified),
  }));
}

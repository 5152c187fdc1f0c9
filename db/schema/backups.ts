import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { BACKUP_RUN_KINDS, type BackupManifest, type BackupRunKind, type TargetKind, type TargetSettings } from '@/lib/model/backup-policy';
import { apps } from './apps';
import { recipeRuns } from './recipe-runs';
import { servers } from './servers';
import { users } from './users';

/**
 * Where backups go (issue 17). Fleet-wide and named; policies in app configs name them.
 * `credentialSealed`: the S3 secret key or the SFTP private key. `repoKeySealed`: the restic
 * repository password, made by the panel: whoever has it (and the target) can read every
 * backup, and without it nothing restores, so the README says how to keep a copy.
 */
export const backupTargets = pgTable('backup_targets', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  kind: text('kind').$type<TargetKind>().notNull(),
  settings: jsonb('settings').$type<TargetSettings>().notNull(),
  credentialSealed: text('credential_sealed'),
  repoKeySealed: text('repo_key_sealed').notNull(),
  /** The last "Send test": reachable, credentials accepted, repository opened or made. */
  lastTest: jsonb('last_test').$type<{ ok: boolean; error: string | null; at: string }>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export { BACKUP_RUN_KINDS, type BackupManifest, type BackupRunKind };
export const BACKUP_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped', 'interrupted'] as const;
export type BackupRunStatus = (typeof BACKUP_RUN_STATUSES)[number];
export const backupRunKindEnum = pgEnum('backup_run_kind', BACKUP_RUN_KINDS);
export const backupRunStatusEnum = pgEnum('backup_run_status', BACKUP_RUN_STATUSES);

/**
 * One backup, verification, drill or restore. A backup's stages are timestamps, set as each is
 * reached (dumped → uploaded → verified → restoreVerified): a run is never one green tick.
 * Verify, drill and restore runs point at the backup they used (`sourceRunId`).
 */
export const backupRuns = pgTable(
  'backup_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    policy: text('policy').notNull(),
    kind: backupRunKindEnum('kind').notNull(),
    status: backupRunStatusEnum('status').notNull().default('queued'),
    targetId: uuid('target_id').references(() => backupTargets.id, { onDelete: 'set null' }),
    /** Kept when the target is deleted, so history still says where it went. */
    targetName: text('target_name').notNull(),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'set null' }),
    /** The recipe run with the per-task log. */
    recipeRunId: uuid('recipe_run_id').references(() => recipeRuns.id, { onDelete: 'set null' }),
    sourceRunId: uuid('source_run_id'),
    /** The restic snapshot id on the target. */
    snapshotId: text('snapshot_id'),
    /** The cron slot a scheduled run was for (null: on demand); what retention's calendar uses. */
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    dumpedAt: timestamp('dumped_at', { withTimezone: true }),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    restoreVerifiedAt: timestamp('restore_verified_at', { withTimezone: true }),
    /** The stage (or step) that failed, and why. */
    failedStage: text('failed_stage'),
    error: text('error'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    durationMs: integer('duration_ms'),
    manifest: jsonb('manifest').$type<BackupManifest>(),
    /** Restores: where the data went (a new database's name, a side path). */
    detail: jsonb('detail').$type<Record<string, string | number | boolean | null>>(),
    /** Removed from the target by retention. */
    forgottenAt: timestamp('forgotten_at', { withTimezone: true }),
    requestedBy: integer('requested_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('backup_runs_app_idx').on(t.appId, t.createdAt),
    // The scheduler's and the policy views' "newest run of this policy and kind" every minute.
    index('backup_runs_policy_idx').on(t.appId, t.policy, t.kind, t.createdAt),
    // One active run per policy and kind: a second request is recorded as skipped, not run beside it.
    uniqueIndex('backup_runs_one_active_idx').on(t.appId, t.policy, t.kind).where(sql`status in ('queued', 'running')`),
  ],
);

export type BackupTarget = typeof backupTargets.$inferSelect;
export type BackupRun = typeof backupRuns.$inferSelect;
export type NewBackupRun = typeof backupRuns.$inferInsert;

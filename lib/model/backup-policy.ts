import { z } from 'zod';
import { appPathInput } from './app-fields';
import { cronScheduleProblem } from './cron-schedule';
import { singleLine, trimmedLine } from './text';

/**
 * Backups as the fleet model knows them (issue 17): policies live in an app's config (so they
 * travel with its definition), targets are fleet-wide and named. A policy names its target by
 * name, never by id, so a definition means the same in any panel.
 *
 * On the servers a backup is a restic snapshot (client-side encryption with a key the panel
 * seals, deduplication, `check --read-data`), written through rclone for SFTP and S3 targets:
 * both from Debian's packages, no hand-made transfer code.
 */

const cronSchedule = trimmedLine(200).superRefine((s, ctx) => {
  const problem = cronScheduleProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const backupNameInput = trimmedLine(60).regex(
  /^[a-z][a-z0-9-]{0,39}$/,
  'Use 1–40 lowercase letters, digits and dashes, starting with a letter',
);

/** Grandfather-father-son: how many of the newest daily, weekly and monthly backups are kept. */
export const retentionInput = z
  .object({
    daily: z.coerce
      .number()
      .int('Keep a whole number of daily backups')
      .min(0, 'Keep 0 or more daily backups')
      .max(366, 'Keep at most 366 daily backups')
      .default(7),
    weekly: z.coerce
      .number()
      .int('Keep a whole number of weekly backups')
      .min(0, 'Keep 0 or more weekly backups')
      .max(260, 'Keep at most 260 weekly backups')
      .default(4),
    monthly: z.coerce
      .number()
      .int('Keep a whole number of monthly backups')
      .min(0, 'Keep 0 or more monthly backups')
      .max(120, 'Keep at most 120 monthly backups')
      .default(6),
  })
  .refine((r) => r.daily + r.weekly + r.monthly > 0, 'Keep at least one backup (daily, weekly or monthly)')
  .prefault({});

export const backupPolicyInput = z.object({
  name: backupNameInput.default('daily'),
  /** The target's name (Settings → Backup targets, or the definition's backupTargets). */
  target: backupNameInput,
  /** Five-field cron, in the panel's time zone (UTC). */
  schedule: cronSchedule.default('15 3 * * *'),
  retention: retentionInput,
  /** pg_dump -Fc of the app's Berth-managed database, with its role and grants. */
  database: z.boolean().default(true),
  /** App paths under shared/ (e.g. storage/app, public/uploads); empty: none. */
  files: z.array(appPathInput).max(20).default([]),
  /** nginx, PHP-FPM pools, supervisor, cron.d and Berth's own files under /etc. */
  serverConfig: z.boolean().default(true),
  /** An RDB snapshot of the app's Redis: not built yet, so refused rather than shown green without one. */
  redis: z
    .boolean()
    .default(false)
    .refine((on) => !on, 'Redis snapshots are not built yet: leave this off (the database and files are backed up)'),
  /** Restore drills: a scratch restore of the latest backup (weekly by default; empty: on demand only). */
  drillSchedule: z.union([z.literal(''), cronSchedule]).default('30 4 * * 0'),
  /** Minutes past the schedule's interval before a missing backup alerts (dead man's switch). */
  graceMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
});

export const backupPoliciesInput = z
  .array(backupPolicyInput)
  .max(5)
  .default([])
  .refine((p) => new Set(p.map((x) => x.name)).size === p.length, 'Two backup policies have the same name');

export type BackupPolicy = z.output<typeof backupPolicyInput>;
export type Retention = z.output<typeof retentionInput>;

export const TARGET_KINDS = ['s3', 'sftp', 'local'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

const absolutePath = trimmedLine(250)
  .regex(/^\/[A-Za-z0-9._/-]{0,200}$/, 'An absolute path of letters, digits, dots, dashes and slashes')
  .refine((p) => !p.split('/').includes('..'), 'No .. in the path');
const hostName = trimmedLine(300).regex(/^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:]+\]?$/, 'A host name or address');
const bucketPath = trimmedLine(500).regex(
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*$/,
  'A bucket name, optionally followed by /prefix',
);

/** What a target is, without its secret (the S3 secret key or the SFTP private key are sealed apart). */
export const targetSettingsInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('s3'),
    endpoint: singleLine(2000).pipe(z.url('Enter the S3 endpoint URL (https://s3.example.com)')),
    region: trimmedLine(40).default(''),
    /** bucket or bucket/prefix: each app's repository is a folder under it. */
    bucket: bucketPath,
    accessKeyId: trimmedLine(200).min(1, 'Enter the access key id'),
  }),
  z.object({
    kind: z.literal('sftp'),
    host: hostName,
    port: z.coerce.number().int().min(1).max(65535).default(22),
    user: singleLine(32).regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'Enter a valid unix user name'),
    /** Where repositories go on the target, relative to the login's (chroot) directory or absolute. */
    path: trimmedLine(250).regex(/^[A-Za-z0-9._/-]{1,200}$/, 'A path of letters, digits, dots, dashes and slashes'),
    /** The target's host key as known_hosts has it ("ssh-ed25519 AAAA…"): pinned, never learnt on use. */
    hostKey: trimmedLine(4000).regex(
      /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/,
      'Paste the host key line: ssh-ed25519 AAAA…',
    ),
  }),
  z.object({
    kind: z.literal('local'),
    /** A path on each server (another disk): kept on the same machine, so not offsite. */
    path: absolutePath,
  }),
]);

export type TargetSettings = z.output<typeof targetSettingsInput>;

/** The stages a backup passes, weakest first: the UI and alerts show the first one not reached. */
export const BACKUP_STAGES = ['dumped', 'uploaded', 'verified', 'restoreVerified'] as const;
export type BackupStage = (typeof BACKUP_STAGES)[number];

/** The run kinds (db/schema/backups.ts stores them; recipes, which import no db/, use this). */
export const BACKUP_RUN_KINDS = ['backup', 'verify', 'drill', 'restore'] as const;
export type BackupRunKind = (typeof BACKUP_RUN_KINDS)[number];

/** What a backup records at dump time (backup_runs.manifest), so a drill can compare a restore with it. */
export type BackupManifest = {
  /** The dump file's sha256 and size, computed on the server before upload. */
  dump?: { sha256: string; bytes: number; database: string };
  /** Rows per table, counted from the dump's own data ("schema.table" → rows). */
  tables?: Record<string, number>;
  /** A sample of the backed-up files with their sha256 (path relative to the app's shared/). */
  files?: { path: string; sha256: string }[];
  /** /etc paths included. */
  config?: string[];
};

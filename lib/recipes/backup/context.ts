import type { BackupManifest, BackupPolicy, BackupRunKind, TargetSettings } from '@/lib/model/backup-policy';
import type { Repo, RunPaths } from './restic';

export type { BackupManifest };
export type BackupKind = BackupRunKind;

/** What a backup run records on its row as each stage is reached (lib/backups/run-job.ts writes it). */
export type StagePatch = {
  dumpedAt?: Date;
  uploadedAt?: Date;
  verifiedAt?: Date;
  snapshotId?: string;
  sizeBytes?: number;
  manifest?: BackupManifest;
  detail?: Record<string, string | number | boolean | null>;
};

/** The backup a verify, drill or restore reads: its snapshot, what it recorded, and where its files were staged. */
export type SourceBackup = { runId: string; snapshotId: string; manifest: BackupManifest; paths: RunPaths };

/**
 * One backup, verify, drill or restore on one server. Made by the job from the run's row; the
 * target's secrets are in memory only, for the upload of the run's 0600 files.
 */
export type BackupContext = {
  kind: BackupKind;
  runId: string;
  slug: string;
  policy: BackupPolicy;
  target: { settings: TargetSettings; credential: string | null; repoKey: string };
  paths: RunPaths;
  repo: Repo;
  /** The app's Berth-managed database, when the policy covers it and this is its data server. */
  database?: { database: string; role: string };
  /** The app's shared/ directory; policy.files are relative to it. */
  shared: string;
  /** /etc paths Berth writes for the app (those that exist are backed up). */
  configPaths: string[];
  source?: SourceBackup;
  /** Restores: which parts to put back. */
  restore?: { database: boolean; files: boolean };
  /** Retention (the job decides from the policy's runs, counting this one as kept): which snapshots go. */
  planForget(): Promise<{ snapshotIds: string[]; runIds: string[] }>;
  markForgotten(runIds: string[]): Promise<void>;
  now: () => Date;
  /** Writes a stage's outcome to the run's row, so the UI shows it as soon as it is reached. */
  record(patch: StagePatch): Promise<void>;
  /** What the tasks found, for the job to record at the end. */
  out: {
    manifest: BackupManifest;
    snapshotId?: string;
    detail: Record<string, string | number | boolean | null>;
    /** What the upload puts in the snapshot: the staging directory, the shared paths and /etc files found. */
    included?: string[];
  };
};

/** How many shared files a backup hashes, for a drill to compare after a restore. */
export const FILE_SAMPLE = 20;
export const LONG_MS = 6 * 60 * 60_000;
/** Older than the longest run (its job expires after 6 h 15 min: lib/jobs/queue.ts): a run's directory this old is a dead run's. */
export const LEFTOVER_MINUTES = 7 * 60;

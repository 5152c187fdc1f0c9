import type { AppConfig } from '@/lib/model/app-config';
import type { EnvToWrite } from '../env/env-file';
import type { AppRole } from '../configure/context';

/** What the release tasks share on one server. */
export type ReleaseContext = {
  app: AppConfig;
  /** `bindAddress`: where a process app's slots listen follows it (configure/web-slots.ts, listenAddress). */
  server: { id: string; name: string; address: string; bindAddress?: string | null };
  roles: AppRole[];
  /** The new release's directory name under releases/. */
  number: number;
  sha: string;
  /** `git archive` of the commit, on the panel host; uploaded once per server. */
  archivePath: string;
  /** Release numbers cleanup must keep (pinned ones, the previous successful one). */
  protect: number[];
  /** Set by `prepare`: where `current` pointed before this release (e.g. "releases/4"), if anywhere. */
  previous?: string | null;
  /** Only on the app's data server, when the app has Berth's Postgres: what `snapshot` dumps and `cleanup` expires. */
  database?: SnapshotTarget & { expired: { id: string; path: string }[] };
  /** Set by `snapshot` (the recipe has no db: the job records it); `restoredAt` by `hooks` after a failed migration. */
  snapshot?: { path: string; takenAt: Date; sizeBytes: number; restoredAt?: Date };
  /** Set by `cleanup`: the ids of the expired snapshots whose files it removed. */
  removedSnapshots?: string[];
  /** The env revision the release writes to shared/.env (none: the app never saved one); `written` set by `write-env`. */
  env?: EnvToWrite & { written?: boolean };
};

/** The app's database and the role that owns it (lib/model/data-names.ts), on its data server. */
export type SnapshotTarget = { database: string; role: string };

/** Switching back: the directory to make current again. */
export type RollbackContext = Omit<
  ReleaseContext,
  'number' | 'sha' | 'archivePath' | 'protect' | 'previous' | 'database' | 'snapshot' | 'removedSnapshots'
> & { target: number };

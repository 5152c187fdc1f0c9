import type { AppConfig } from '@/lib/apps/config';
import type { AppRole } from '../configure/context';

/** What the release tasks share on one server. */
export type ReleaseContext = {
  app: AppConfig;
  server: { id: string; name: string; address: string };
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
};

/** Switching back: the directory to make current again. */
export type RollbackContext = Omit<ReleaseContext, 'number' | 'sha' | 'archivePath' | 'protect' | 'previous'> & { target: number };

import type { Db } from '@/db';
import type { BackupRun } from '@/db/schema';
import { notify } from '@/lib/notify/emit';
import { panelUrl } from '@/lib/notify/links';

/** Alert text is read on a phone: the start of a long error says what went wrong. */
const excerpt = (text: string | null, max = 600) => {
  const t = (text ?? '').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
};

const WHAT: Record<BackupRun['kind'], string> = {
  backup: 'backup',
  verify: 'verification',
  drill: 'restore drill',
  restore: 'restore',
};

export const backupsLink = (appId: string, base = panelUrl()) => `${base}/apps/${appId}/backups`;

/**
 * `backup.failed`: a backup, verification, drill or restore run that failed or was interrupted.
 * The engine calls it once, when it marks the run finished. Never throws (notify() does not),
 * so alerting cannot fail the run's own bookkeeping. Returns how many deliveries were queued.
 */
export async function notifyBackupFailed(
  db: Db,
  run: Pick<BackupRun, 'id' | 'appId' | 'policy' | 'kind' | 'status' | 'failedStage' | 'error' | 'targetName' | 'finishedAt'>,
  appSlug: string,
  base?: string,
): Promise<number> {
  const what = WHAT[run.kind];
  const how = run.status === 'interrupted' ? 'was interrupted' : 'failed';
  const stage = run.failedStage ? ` at ${run.failedStage}` : '';
  const error = excerpt(run.error);
  return notify(db, {
    type: 'backup.failed',
    title: `${appSlug}/${run.policy}: ${what} ${how}${stage}`,
    text: `Target ${run.targetName}.${error ? `\n${error}` : ''}`,
    url: backupsLink(run.appId, base),
    appId: run.appId,
    at: run.finishedAt ?? new Date(),
  });
}

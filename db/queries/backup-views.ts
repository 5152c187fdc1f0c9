import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db';
import { type BackupRun, type BackupRunKind, backupRuns } from '@/db/schema';

/** What the backup pages read beyond db/queries/backups.ts: the newest runs per policy, for many apps at once. */

export type PolicyRuns = {
  /** Newest finished run of each kind (succeeded, failed or interrupted): what weakestStage reads. */
  finished: Partial<Record<BackupRunKind, BackupRun>>;
  /** Newest succeeded backup: "last success". */
  lastSuccess: BackupRun | undefined;
};

export const policyRunKey = (appId: string, policy: string) => `${appId}/${policy}`;

/** Per app and policy (keyed by policyRunKey): the newest finished run of each kind and the newest success. */
export async function latestRunsOfPolicies(db: Db, appIds?: string[]): Promise<Map<string, PolicyRuns>> {
  if (appIds && appIds.length === 0) return new Map();
  const scope = appIds ? inArray(backupRuns.appId, appIds) : undefined;
  const [finished, succeeded] = await Promise.all([
    db
      .selectDistinctOn([backupRuns.appId, backupRuns.policy, backupRuns.kind])
      .from(backupRuns)
      .where(and(scope, inArray(backupRuns.status, ['succeeded', 'failed', 'interrupted'])))
      .orderBy(backupRuns.appId, backupRuns.policy, backupRuns.kind, desc(backupRuns.createdAt)),
    db
      .selectDistinctOn([backupRuns.appId, backupRuns.policy])
      .from(backupRuns)
      .where(and(scope, eq(backupRuns.kind, 'backup'), eq(backupRuns.status, 'succeeded')))
      .orderBy(backupRuns.appId, backupRuns.policy, desc(backupRuns.createdAt)),
  ]);
  const out = new Map<string, PolicyRuns>();
  const entry = (r: BackupRun) => {
    const key = policyRunKey(r.appId, r.policy);
    if (!out.has(key)) out.set(key, { finished: {}, lastSuccess: undefined });
    return out.get(key)!;
  };
  for (const r of finished) entry(r).finished[r.kind] = r;
  for (const r of succeeded) entry(r).lastSuccess = r;
  return out;
}

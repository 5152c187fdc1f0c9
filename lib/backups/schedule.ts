/**
 * The backup scheduler, called from the job tick once a minute (pg-boss runs one tick at a time
 * across panel processes). For each app policy it keeps the dead man's monitor in step, then
 * queues a backup when the policy's cron slot came since its last run, and a restore drill when
 * the drill schedule's did. Everything goes through requestBackupRun, the one request path.
 *
 * Idempotent: a queued run carries its slot (scheduledFor), so the next tick in the same minute
 * sees the slot taken; and the unique active-run index makes a second request while one is
 * queued or running a recorded skip, never a second run beside it.
 */
import type { Db } from '@/db';
import { listApps } from '@/db/queries/apps';
import { policyKindKey, policyRunTimes } from '@/db/queries/backup-schedule';
import type { BackupRunKind } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { BackupPolicy } from '@/lib/model/backup-policy';
import type { Enqueue } from '@/lib/servers/requests';
import { deadManKey, syncDeadMen } from './dead-man';
import { tickPanelBackup } from './panel-schedule';
import { requestBackupRun } from './requests';
import { dueSlot, nextSlot } from './schedule-slots';

export type ScheduledRequest = {
  appId: string;
  policy: string;
  kind: BackupRunKind;
  slot: Date;
  runId: string | null;
  skipped: boolean;
  error?: string;
};

/** A misconfigured policy (its target deleted) is logged once per slot, not every minute until the next one. */
const reported = new Set<string>();

export async function tickBackups(db: Db, _ring: KeyRing, send: Enqueue, now = new Date()): Promise<ScheduledRequest[]> {
  // The panel's own backup first, on its own: an app's policy failing to schedule must not skip it.
  await tickPanelBackup(db, send, now).catch((err: Error) => console.error(`berth: scheduling the panel's backup failed: ${err.message}`));
  const apps = (await listApps(db)).filter((a) => a.config.backups.length > 0);
  // Also with no policies left: the sync deletes the monitors of policies that are gone.
  const { monitors } = await syncDeadMen(db, apps, now);
  if (apps.length === 0) return [];
  const times = await policyRunTimes(db, ['backup', 'drill']);

  const out: ScheduledRequest[] = [];
  for (const app of apps) {
    for (const policy of app.config.backups) {
      // When the scheduler first saw the policy: no slot before it is ever run.
      const since = monitors.get(deadManKey(app.id, policy.name))?.createdAt ?? now;
      const backups = times.get(policyKindKey(app.id, policy.name, 'backup'));
      const wanted: [BackupRunKind, string][] = [['backup', policy.schedule]];
      // A drill restores a backup: none until one has succeeded.
      if (policy.drillSchedule && (backups?.succeeded ?? 0) > 0) wanted.push(['drill', policy.drillSchedule]);
      for (const [kind, schedule] of wanted) {
        const slot = dueSlot(schedule, now, since, times.get(policyKindKey(app.id, policy.name, kind))?.lastAt ?? null);
        if (slot) out.push(await request(db, send, app.id, policy.name, kind, slot));
      }
    }
  }
  return out;
}

async function request(db: Db, send: Enqueue, appId: string, policy: string, kind: BackupRunKind, slot: Date): Promise<ScheduledRequest> {
  try {
    const { run, skipped } = await requestBackupRun(db, send, { appId, policy, kind, scheduledFor: slot });
    return { appId, policy, kind, slot, runId: run.id, skipped };
  } catch (err) {
    const error = (err as Error).message;
    const key = `${appId}:${policy}:${kind}:${slot.toISOString()}`;
    if (!reported.has(key)) {
      if (reported.size > 1000) reported.clear();
      reported.add(key);
      console.error(`berth: scheduling the ${kind} of backup policy ${policy} (app ${appId}) failed: ${error}`);
    }
    return { appId, policy, kind, slot, runId: null, skipped: false, error };
  }
}

/** When the policy's next backup (or drill) is due, for the UI; null for drills that run on demand only. */
export function nextRunAt(
  policy: Pick<BackupPolicy, 'schedule' | 'drillSchedule'>,
  now = new Date(),
  kind: 'backup' | 'drill' = 'backup',
): Date | null {
  const schedule = kind === 'backup' ? policy.schedule : policy.drillSchedule;
  return schedule ? nextSlot(schedule, now) : null;
}

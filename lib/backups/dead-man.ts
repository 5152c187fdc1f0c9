/**
 * The dead man's switch: one heartbeat monitor per backup policy, kept in step with the apps'
 * policies like lib/monitors/app-monitors.ts keeps the HTTP checks (the unique autoKey makes it
 * idempotent). A succeeded backup is its ping; the monitors engine's heartbeat sweep marks it
 * down when none came within the schedule's longest gap plus the policy's grace, which opens an
 * incident and alerts through the channels subscribed to monitor.down: alerting that works
 * even when the scheduler, the queue or the worker is what broke.
 *
 * These monitors have no ping token: only a backup that succeeded can ping them, never a URL.
 */
import type { Db } from '@/db';
import { findMonitorByAutoKey, listBackupMonitors } from '@/db/queries/backup-schedule';
import { writeCheckBatch } from '@/db/queries/check-results';
import { deleteMonitors, insertAutoMonitors, markUpFromPending, recordPing, updateMonitor } from '@/db/queries/monitors';
import type { App, Monitor } from '@/db/schema';
import type { BackupPolicy } from '@/lib/model/backup-policy';
import { goUp } from '@/lib/monitors/incidents';
import { aggregateRollups, lastStates } from '@/lib/monitors/result-writer';
import { panelUrl } from '@/lib/notify/links';
import { longestGapS } from './schedule-slots';

export const deadManKey = (appId: string, policy: string) => `backup:${appId}:${policy}`;
/** The panel's own backup (lib/backups/panel-schedule.ts keeps it): not an app policy, so the sync below leaves it be. */
export const PANEL_DEAD_MAN_KEY = 'backup:panel';
const appPolicyMonitors = async (db: Db) => (await listBackupMonitors(db)).filter((m) => m.autoKey !== PANEL_DEAD_MAN_KEY);

type Desired = { autoKey: string; name: string; appId: string; intervalS: number; graceS: number };

export function desiredDeadMen(apps: Pick<App, 'id' | 'slug' | 'config'>[], now: Date): Desired[] {
  return apps.flatMap((a) =>
    a.config.backups.map((p: BackupPolicy) => ({
      autoKey: deadManKey(a.id, p.name),
      name: `Backup ${a.slug}/${p.name}`,
      appId: a.id,
      intervalS: longestGapS(p.schedule, now),
      graceS: p.graceMinutes * 60,
    })),
  );
}

export type DeadManSync = { created: number; updated: number; deleted: number; monitors: Map<string, Monitor> };

/**
 * Creates the missing monitors (created at `now`, so a new policy has a full period before it
 * can alert), follows a changed schedule, grace or app slug, and deletes those whose policy is
 * gone. The policy decides the period: an operator changes it in the policy, not on the
 * monitor, so a sync puts back an interval edited on the monitor page; pausing is kept.
 * Returns the monitors by autoKey: their createdAt is when the scheduler first saw each policy.
 */
export async function syncDeadMen(db: Db, apps: Pick<App, 'id' | 'slug' | 'config'>[], now: Date): Promise<DeadManSync> {
  const desired = desiredDeadMen(apps, now);
  const existing = new Map((await appPolicyMonitors(db)).map((m) => [m.autoKey!, m]));
  const wanted = new Set(desired.map((d) => d.autoKey));

  const missing = desired.filter((d) => !existing.has(d.autoKey));
  const created = await insertAutoMonitors(
    db,
    missing.map((d) => ({ ...d, kind: 'heartbeat' as const, createdAt: now, updatedAt: now })),
  );

  let updated = 0;
  for (const d of desired) {
    const m = existing.get(d.autoKey);
    if (!m || (m.name === d.name && m.intervalS === d.intervalS && m.graceS === d.graceS)) continue;
    await updateMonitor(db, m.id, { name: d.name, intervalS: d.intervalS, graceS: d.graceS });
    updated++;
  }

  const gone = [...existing.values()].filter((m) => !wanted.has(m.autoKey!)).map((m) => m.id);
  await deleteMonitors(db, gone);
  const monitors = created || updated || gone.length ? new Map((await appPolicyMonitors(db)).map((m) => [m.autoKey!, m])) : existing;
  return { created, updated, deleted: gone.length, monitors };
}

/**
 * A succeeded backup: the policy's heartbeat ping, recorded the way a ping on the heartbeat URL
 * is (lib/monitors/heartbeat.ts receivePing, whose token lookup is the only step left out): an
 * ok result, and a down monitor goes up with its incident closed and monitor.up sent.
 * 'missing' when the scheduler has not made the monitor yet (it will, with a fresh period).
 */
export async function recordBackupSuccess(
  db: Db,
  appId: string,
  policy: string,
  at = new Date(),
  publicUrl = panelUrl(),
): Promise<'ok' | 'missing' | 'paused'> {
  return pingDeadMan(db, deadManKey(appId, policy), at, publicUrl);
}

/** The ping itself, by the monitor's autoKey (an app policy's, or the panel's own). */
export async function pingDeadMan(db: Db, autoKey: string, at = new Date(), publicUrl = panelUrl()): Promise<'ok' | 'missing' | 'paused'> {
  const m = await findMonitorByAutoKey(db, autoKey);
  if (m?.kind !== 'heartbeat') return 'missing';
  if (m.paused) return 'paused';
  if (!(await recordPing(db, m.id, at))) return 'ok';
  const result = { monitorId: m.id, at, ok: true, latencyMs: null, status: null, error: null };
  await writeCheckBatch(db, [result], aggregateRollups([result]), lastStates([result]));
  if (!(await goUp({ db, publicUrl }, m, at, 'a backup succeeded'))) await markUpFromPending(db, m.id, at);
  return 'ok';
}

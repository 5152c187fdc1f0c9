/**
 * The panel's own backup on a schedule (issue 17 item 7): one policy, kept in the settings row
 * `panel-backup` (no schema change), run by the panel's own worker so an embedded PGlite is
 * dumped through the live instance (lib/backups/panel-backup.ts runPanelBackup).
 *
 * The rules are the app policies' (lib/backups/schedule.ts): cron in UTC; a slot runs once,
 * however many ticks see it; only the newest missed slot runs after a gap; nothing before the
 * scheduler first saw the policy (its dead man's monitor's createdAt) is ever back-filled.
 */
import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import type { Db } from '@/db';
import { findMonitorByAutoKey } from '@/db/queries/backup-schedule';
import { deleteMonitors, insertAutoMonitors, updateMonitor } from '@/db/queries/monitors';
import { getSetting, insertSettingIfMissing, takeSetting } from '@/db/queries/settings';
import type { FieldErrors } from '@/lib/auth/action-core';
import { backupNameInput, retentionInput } from '@/lib/model/backup-policy';
import { cronScheduleProblem } from '@/lib/model/cron-schedule';
import type { Enqueue } from '@/lib/servers/requests';
import { PANEL_DEAD_MAN_KEY } from './dead-man';
import { dueSlot, longestGapS, nextSlot } from './schedule-slots';

export const PANEL_POLICY_KEY = 'panel-backup';
/** The newest slot (or manual request time) handed to the queue: a slot is claimed once. */
const PANEL_SLOT_KEY = 'panel-backup-slot';
/** One job at a time: the panel's backups queue behind each other, never beside. */
export const PANEL_JOB_KEY = 'backup:panel';

export const panelBackupPolicyInput = z.object({
  target: backupNameInput,
  /** Five-field cron, UTC. */
  schedule: trimmedLine(200).superRefine((s, ctx) => {
    const problem = cronScheduleProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  retention: retentionInput,
  graceMinutes: z.coerce
    .number()
    .int('Enter whole minutes')
    .min(1, 'At least 1 minute')
    .max(7 * 24 * 60, 'At most a week'),
});
export type PanelBackupPolicy = z.output<typeof panelBackupPolicyInput>;

/** The stored policy, or null when there is none or it no longer parses (then nothing is scheduled). */
export async function readPanelPolicy(db: Db): Promise<PanelBackupPolicy | null> {
  const raw = await getSetting(db, PANEL_POLICY_KEY);
  if (!raw) return null;
  try {
    const parsed = panelBackupPolicyInput.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const RETENTION_FIELD: Record<string, string> = { daily: 'retentionDaily', weekly: 'retentionWeekly', monthly: 'retentionMonthly' };

/** The settings form's flat fields (retentionDaily, …) → the policy, or an error beside each bad field. */
export function panelPolicyFromForm(
  form: Record<string, unknown>,
): { ok: true; policy: PanelBackupPolicy } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = panelBackupPolicyInput.safeParse({
    target: form.target,
    schedule: form.schedule,
    retention: { daily: form.retentionDaily, weekly: form.retentionWeekly, monthly: form.retentionMonthly },
    graceMinutes: form.graceMinutes,
  });
  if (parsed.success) return { ok: true, policy: parsed.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const [head, next] = issue.path;
    // "Keep at least one backup" belongs to no single box: shown under the first.
    const key = head === 'retention' ? (RETENTION_FIELD[String(next)] ?? 'retentionDaily') : String(head);
    fieldErrors[key] = [...(fieldErrors[key] ?? []), issue.message];
  }
  return { ok: false, fieldErrors };
}

/**
 * Keeps the panel's dead man's monitor in step with its policy (made at `now`, so a new policy
 * has a full period before it can alert; a changed schedule or grace moves it; no policy, no
 * monitor). Returns the monitor's createdAt: when the scheduler first saw the policy.
 */
export async function syncPanelDeadMan(db: Db, policy: PanelBackupPolicy | null, now: Date): Promise<Date | null> {
  const existing = await findMonitorByAutoKey(db, PANEL_DEAD_MAN_KEY);
  if (!policy) {
    if (existing) await deleteMonitors(db, [existing.id]);
    return null;
  }
  const want = { name: 'Backup of the panel', intervalS: longestGapS(policy.schedule, now), graceS: policy.graceMinutes * 60 };
  if (!existing) {
    await insertAutoMonitors(db, [{ ...want, autoKey: PANEL_DEAD_MAN_KEY, kind: 'heartbeat', createdAt: now, updatedAt: now }]);
    return (await findMonitorByAutoKey(db, PANEL_DEAD_MAN_KEY))?.createdAt ?? now;
  }
  if (existing.name !== want.name || existing.intervalS !== want.intervalS || existing.graceS !== want.graceS)
    await updateMonitor(db, existing.id, want);
  return existing.createdAt;
}

export type PanelTick = { slot: Date; jobId: string | null; error?: string } | null;

/** Called from tickBackups once a minute: queues `{ kind: 'panel-backup' }` when the policy's slot is due. */
export async function tickPanelBackup(db: Db, send: Enqueue, now = new Date()): Promise<PanelTick> {
  const policy = await readPanelPolicy(db);
  const since = await syncPanelDeadMan(db, policy, now);
  if (!policy || !since) return null;
  const last = await getSetting(db, PANEL_SLOT_KEY);
  const slot = dueSlot(policy.schedule, now, since, last ? new Date(last) : null);
  if (!slot || !(await claim(db, last, slot))) return null;
  try {
    return { slot, jobId: await send({ kind: 'panel-backup', scheduledFor: slot.toISOString() }, PANEL_JOB_KEY) };
  } catch (err) {
    // The slot stays claimed (once per slot, as for the apps); the next slot tries again.
    const error = (err as Error).message;
    console.error(`berth: queueing the panel's backup failed: ${error}`);
    return { slot, jobId: null, error };
  }
}

/**
 * "Back up the panel now": queued like a slot, and it counts as one (as an app's manual run
 * does), so a missed slot just before it does not run a second backup right after.
 */
export async function requestPanelBackupNow(db: Db, send: Enqueue, userId: number | null, now = new Date()): Promise<string> {
  const policy = await readPanelPolicy(db);
  if (!policy) throw new Error("Save the panel's backup settings first: they name the target.");
  const last = await getSetting(db, PANEL_SLOT_KEY);
  if (!last || new Date(last) < now) await claim(db, last, now);
  return send({ kind: 'panel-backup', requestedBy: userId }, PANEL_JOB_KEY);
}

/** Compare-and-swap on the slot row: of two ticks that saw the same `last`, only one moves it on. */
async function claim(db: Db, last: string | undefined, slot: Date): Promise<boolean> {
  if (last !== undefined && !(await takeSetting(db, PANEL_SLOT_KEY, last))) return false;
  return insertSettingIfMissing(db, PANEL_SLOT_KEY, slot.toISOString());
}

/** For the settings page: when the next scheduled backup is due. */
export const nextPanelBackupAt = (policy: PanelBackupPolicy, now = new Date()) => nextSlot(policy.schedule, now);

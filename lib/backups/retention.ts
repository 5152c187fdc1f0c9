import type { BackupRun } from '@/db/schema';
import type { Retention } from '@/lib/model/backup-policy';

/**
 * Grandfather-father-son retention, decided here and nowhere else; the engine only carries out
 * the decision (`restic forget <ids> --prune`, then markForgotten).
 *
 * The rule is restic's own `--keep-daily/--keep-weekly/--keep-monthly` (restic's
 * internal/restic/snapshot_policy.go, ApplyPolicy), so an operator who knows restic reads it
 * the same way: walk the backups newest first; each rule has a counter and remembers the
 * last calendar bucket it kept. A backup whose day (YYYY-MM-DD) / ISO week (ISO year*100+week)
 * / month (YYYY-MM) differs from that rule's last kept bucket is kept by the rule, and the
 * counter goes down by one. So "daily 7" means the newest backup of each of the last 7 days
 * that HAVE a backup (not the last 7 calendar days), and one backup may count for several
 * rules at once (the newest backup is the day's, the week's and the month's).
 * Differences from restic, on purpose: buckets are UTC (the panel's schedules are UTC, restic
 * uses the machine's local zone), and two extra rules:
 * - the newest verified backup is always kept, whatever its age: retention must never leave
 *   only copies nobody checked;
 * - a backup dated after `now` (a clock that jumped) is kept and counts for no bucket, so a
 *   clock glitch cannot make retention delete good backups.
 */

export type RetentionCandidate = { id: string; time: Date; verified: boolean };
export type KeepReason = 'daily' | 'weekly' | 'monthly' | 'newest verified' | 'future';
export type RetentionDecision = {
  /** Ids kept, newest first. */
  keep: string[];
  /** Ids to forget, newest first. */
  forget: string[];
  /** Why each kept backup stays (for the UI and the run log). */
  reasons: Record<string, KeepReason[]>;
};

const pad = (n: number) => String(n).padStart(2, '0');
const dayOf = (t: Date) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
const monthOf = (t: Date) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}`;

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), as "2030-W09". */
export function isoWeekOf(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const weekday = d.getUTCDay() || 7; // Monday 1 … Sunday 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

const RULES = [
  ['daily', dayOf],
  ['weekly', isoWeekOf],
  ['monthly', monthOf],
] as const;

/** Newest first; equal times by id, so the decision never depends on the input's order. */
const newestFirst = (a: RetentionCandidate, b: RetentionCandidate) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1);

export function applyRetention(backups: RetentionCandidate[], retention: Retention, now: Date): RetentionDecision {
  const sorted = [...backups].sort(newestFirst);
  const reasons: Record<string, KeepReason[]> = {};
  const keepFor = (id: string, why: KeepReason) => {
    reasons[id] = [...(reasons[id] ?? []), why];
  };

  const left = { daily: retention.daily, weekly: retention.weekly, monthly: retention.monthly };
  const last: Record<string, string | undefined> = {};
  for (const b of sorted) {
    if (b.time.getTime() > now.getTime()) {
      keepFor(b.id, 'future');
      continue;
    }
    for (const [rule, bucketOf] of RULES) {
      if (left[rule] <= 0) continue;
      const bucket = bucketOf(b.time);
      if (bucket === last[rule]) continue;
      last[rule] = bucket;
      left[rule]--;
      keepFor(b.id, rule);
    }
  }
  const newestVerified = sorted.find((b) => b.verified);
  if (newestVerified) keepFor(newestVerified.id, 'newest verified');

  const keep = sorted.filter((b) => reasons[b.id]).map((b) => b.id);
  const forget = sorted.filter((b) => !reasons[b.id]).map((b) => b.id);
  return { keep, forget, reasons };
}

/** The calendar time a backup counts for: its cron slot when scheduled, else when it was asked for. */
export const retentionTimeOf = (run: Pick<BackupRun, 'scheduledFor' | 'createdAt'>) => run.scheduledFor ?? run.createdAt;

/**
 * What the engine's forget task calls with the policy's runs from the database (keptBackups):
 * only succeeded backups not already forgotten take part; anything else passed in is ignored
 * (neither kept nor forgotten). Returns the runs themselves, so the caller has the snapshot ids.
 */
export function retentionForget<R extends BackupRun>(runs: R[], retention: Retention, now = new Date()): { keep: R[]; forget: R[] } {
  const eligible = runs.filter((r) => r.kind === 'backup' && r.status === 'succeeded' && r.forgottenAt === null);
  const byId = new Map(eligible.map((r) => [r.id, r]));
  const decision = applyRetention(
    eligible.map((r) => ({ id: r.id, time: retentionTimeOf(r), verified: r.verifiedAt !== null })),
    retention,
    now,
  );
  return { keep: decision.keep.map((id) => byId.get(id)!), forget: decision.forget.map((id) => byId.get(id)!) };
}

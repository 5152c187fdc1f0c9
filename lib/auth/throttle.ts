import type { Db } from '@/db';
import { clearThrottle, getThrottles, lockThrottles, recordFailure, setLockedUntil } from '@/db/queries/login-throttle';

/**
 * Login backoff, per account and per client address. After `threshold` failures in a row
 * the key is locked for 30 s, doubling with each further failure up to 15 min. A counter
 * that sees no failure for an hour starts again. Attempts while locked are refused without
 * checking the password, so a locked account cannot be brute-forced.
 */
export const THROTTLE = {
  account: { threshold: 5 },
  ip: { threshold: 20 },
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  decayMs: 60 * 60_000,
} as const;

export type ThrottleSubject = { email: string; ip: string | null };

/** Serializes attempts on the subject's counters for the rest of the transaction `tx`. */
export async function holdThrottle(tx: Db, subject: ThrottleSubject): Promise<void> {
  await lockThrottles(
    tx,
    keysFor(subject).map((k) => k.key),
  );
}

function keysFor(subject: ThrottleSubject): Array<{ key: string; threshold: number }> {
  const keys: Array<{ key: string; threshold: number }> = [{ key: `account:${subject.email}`, threshold: THROTTLE.account.threshold }];
  if (subject.ip) keys.push({ key: `ip:${subject.ip}`, threshold: THROTTLE.ip.threshold });
  return keys;
}

export function lockDurationMs(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(THROTTLE.baseLockMs * 2 ** (failures - threshold), THROTTLE.maxLockMs);
}

/** Seconds until the subject may try again; 0 when it may try now. */
export async function secondsLocked(db: Db, subject: ThrottleSubject, now = new Date()): Promise<number> {
  const rows = await getThrottles(
    db,
    keysFor(subject).map((k) => k.key),
  );
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/** Counts a failed attempt against every key; returns the resulting lock in seconds (0 if none). */
export async function noteFailure(db: Db, subject: ThrottleSubject, now = new Date()): Promise<number> {
  let longest = 0;
  for (const { key, threshold } of keysFor(subject)) {
    const failures = await recordFailure(db, key, now, THROTTLE.decayMs);
    const lockMs = lockDurationMs(failures, threshold);
    if (lockMs > 0) {
      await setLockedUntil(db, key, new Date(now.getTime() + lockMs));
      longest = Math.max(longest, lockMs);
    }
  }
  return Math.ceil(longest / 1000);
}

/** A good password clears the account's counter; the address keeps its own (it may be probing many accounts). */
export async function noteSuccess(db: Db, subject: ThrottleSubject): Promise<void> {
  await clearThrottle(db, `account:${subject.email}`);
}

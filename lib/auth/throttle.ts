import type { Db } from '@/db';
import { clearThrottle, getThrottles, lockThrottles, pruneIdleThrottles, recordFailure, setLockedUntil } from '@/db/queries/login-throttle';
import type { LoginThrottle } from '@/db/schema';
import { throttleSource } from './client-ip-source';

/**
 * Login backoff that a stranger cannot turn against the owner (README, "Login throttling").
 * A "source" is the client address (an IPv6 address counts as its /64). Three counters:
 *  - pair (account + source): 5 failures lock that source out of that account;
 *  - source: 20 failures, on any accounts, lock that source out of every account;
 *  - account: 10 failures from anywhere put the account under guard: while guarded, a source
 *    with 3 failures of its own on the account (in the last hour) is refused, but a source with
 *    fewer still has its password checked, so the owner from their own address gets in, even
 *    after a typo or two (one failure was enough for a stranger to keep them out: review).
 * Each lock lasts 30 s and doubles with each further failure on its counter, up to 15 min. A
 * counter that sees no failure for an hour starts again. Attempts while locked are refused
 * without checking the password, so a lock cannot be brute-forced through.
 */
export const THROTTLE = {
  pair: { threshold: 5 },
  source: { threshold: 20 },
  account: { threshold: 10, stopsSourceAfter: 3 },
  /** Wrong second-factor codes on an account, from any source (codeKey). */
  code: { threshold: 5 },
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  decayMs: 60 * 60_000,
} as const;

export type ThrottleSubject = { email: string; ip: string | null };

type Keys = { account: string; pair: string; source: string | null };

function keysFor(subject: ThrottleSubject): Keys {
  const email = subject.email.trim().toLowerCase();
  const source = throttleSource(subject.ip);
  // Without an address (no custom server in front) every client is one source "unknown":
  // the pair counter then acts per account, and there is no cross-account source counter.
  return {
    account: `account:${email}`,
    pair: `pair:${source ?? 'unknown'} ${email}`, // a source never contains a space
    source: source ? `ip:${source}` : null,
  };
}

/** Serializes attempts on the subject's account and source for the rest of the transaction `tx`. */
export async function holdThrottle(tx: Db, subject: ThrottleSubject): Promise<void> {
  const { account, source } = keysFor(subject);
  // The pair counter needs no lock of its own: every attempt on it also holds the account's.
  await lockThrottles(tx, source ? [account, source] : [account]);
}

export function lockDurationMs(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(THROTTLE.baseLockMs * 2 ** (failures - threshold), THROTTLE.maxLockMs);
}

/** Seconds until the subject may try again; 0 when it may try now. */
export async function secondsLocked(db: Db, subject: ThrottleSubject, now = new Date()): Promise<number> {
  const keys = keysFor(subject);
  const rows = new Map((await getThrottles(db, [keys.account, keys.pair, ...(keys.source ? [keys.source] : [])])).map((r) => [r.key, r]));
  const pair = rows.get(keys.pair);
  const locks = [pair, keys.source ? rows.get(keys.source) : undefined];
  // The account's guard stops only sources that have themselves failed on it lately, more than a typo's worth.
  if (pair && guessedLately(pair, new Date(now.getTime() - THROTTLE.decayMs))) locks.push(rows.get(keys.account));
  const until = Math.max(0, ...locks.map((r) => r?.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

function guessedLately(pair: LoginThrottle, since: Date): boolean {
  return pair.failures >= THROTTLE.account.stopsSourceAfter && pair.lastFailureAt >= since;
}

/** Counts a failed attempt against the pair, the source and the account. */
export async function noteFailure(db: Db, subject: ThrottleSubject, now = new Date()): Promise<void> {
  const keys = keysFor(subject);
  const counters = [
    { key: keys.pair, threshold: THROTTLE.pair.threshold },
    { key: keys.account, threshold: THROTTLE.account.threshold },
    ...(keys.source ? [{ key: keys.source, threshold: THROTTLE.source.threshold }] : []),
  ];
  for (const { key, threshold } of counters) {
    const lockMs = lockDurationMs(await recordFailure(db, key, now, THROTTLE.decayMs), threshold);
    if (lockMs > 0) await setLockedUntil(db, key, new Date(now.getTime() + lockMs));
  }
  // Failures are what add rows, so they also clear the idle ones: no timer of its own.
  await pruneIdleThrottles(db, now, THROTTLE.decayMs);
}

/**
 * The second-factor step has its own counter per account, whatever the source: only someone who
 * gave the right password reaches it, so a stranger cannot lock the owner out with it, while an
 * attacker holding the password cannot spread code guesses over many addresses (a /48 of IPv6 is
 * 65,536 sources of 3 guesses each under the pair and account counters). Callers hold the
 * account's lock (holdThrottle), so attempts on one account are counted one after another.
 */
const codeKey = (email: string) => `code:${email.trim().toLowerCase()}`;

export async function secondsCodeLocked(db: Db, email: string, now = new Date()): Promise<number> {
  const [row] = await getThrottles(db, [codeKey(email)]);
  const until = row?.lockedUntil?.getTime() ?? 0;
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

export async function noteCodeFailure(db: Db, email: string, now = new Date()): Promise<void> {
  const key = codeKey(email);
  const lockMs = lockDurationMs(await recordFailure(db, key, now, THROTTLE.decayMs), THROTTLE.code.threshold);
  if (lockMs > 0) await setLockedUntil(db, key, new Date(now.getTime() + lockMs));
}

export async function noteCodeSuccess(db: Db, email: string): Promise<void> {
  await clearThrottle(db, codeKey(email));
}

/**
 * A good password clears the pair's counter only: the source keeps its own (it may be probing
 * many accounts), and the account keeps its guard against the sources that were guessing.
 */
export async function noteSuccess(db: Db, subject: ThrottleSubject): Promise<void> {
  await clearThrottle(db, keysFor(subject).pair);
}

import type { FpmStatus } from './status';

/** What the previous reading of the same pool said (from fpm_samples). */
export type PreviousReading = Pick<FpmStatus, 'startTime' | 'maxChildrenReached' | 'slowRequests' | 'acceptedConn'>;

export type CounterIncrease = { maxChildrenReached: number; slowRequests: number; acceptedConn: number };

/**
 * How much FPM's cumulative counters grew since the previous reading. A different start time
 * means the pool restarted (reload, php-fpm restart) and the counters began again at 0, so the
 * new value is all increase. A counter that went down without a new start time can only be a
 * restart within the same second: the same rule. With no previous reading (a new pool, or the
 * first poll after the samples were pruned) nothing is known about the interval, so nothing is
 * counted rather than everything since the pool started.
 */
export function counterIncrease(prev: PreviousReading | undefined, cur: FpmStatus): CounterIncrease {
  if (!prev) return { maxChildrenReached: 0, slowRequests: 0, acceptedConn: 0 };
  const restarted = prev.startTime !== cur.startTime;
  const grew = (key: keyof CounterIncrease) => (restarted || cur[key] < prev[key] ? cur[key] : cur[key] - prev[key]);
  return { maxChildrenReached: grew('maxChildrenReached'), slowRequests: grew('slowRequests'), acceptedConn: grew('acceptedConn') };
}

/** Rollup resolutions in seconds, as for check results. */
export const FPM_RESOLUTIONS = [60, 3600, 86_400] as const;

/** The start of the `res`-second bucket holding `at` (UTC, epoch-aligned). */
export function bucketOf(at: Date, res: number): Date {
  const ms = res * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

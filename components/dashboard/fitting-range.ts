import { RANGE_SPECS, RANGES, type Range } from '@/lib/dashboard/range';

/**
 * The range a dashboard opens on when the URL names none: the shortest one that holds all of the
 * app's data, so a new app's first hour fills the chart instead of its last few pixels of 24 h.
 * No data yet: the shortest range (its first checks appear there).
 */
export function fittingRange(firstCheckAt: Date | null, now: Date): Range {
  if (!firstCheckAt) return RANGES[0];
  const ageS = (now.getTime() - firstCheckAt.getTime()) / 1000;
  return RANGES.find((r) => RANGE_SPECS[r].seconds >= ageS) ?? RANGES[RANGES.length - 1]!;
}

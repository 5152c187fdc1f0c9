/**
 * Which rollup rows a query reads. Check results are folded into minute (res 60), hour (3600) and
 * day rollups as they arrive; by default minute rollups are kept 24 h and hour rollups 35 d, so
 * each window reads a tier that still holds it (lib/dashboard/range.ts picks a chart's).
 */

/** A chart's window: the tier it reads (`res`), the width of one point (`bucketS`) and its span. */
export type RollupWindow = { res: 60 | 3600; bucketS: number; start: Date; end: Date };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The uptime windows, read from the rollups in one query, each from the coarsest tier that fits:
 * - the last 24 h exactly: minute rollups up to the next full hour, hour rollups after it;
 * - the last 7 d and 30 d from the next full hour on (at most one partial hour short: minute
 *   rollups are gone by then): hour rollups up to the next UTC midnight, day rollups after it.
 * That is ≤ 84 rows per monitor for 24 h and ≤ 85 for 30 d, instead of 1,440 and 720.
 */
export function uptimeWindows(now: Date) {
  const t = now.getTime();
  const dayAgo = t - DAY;
  const ceil = (ms: number, unit: number) => new Date(Math.ceil(ms / unit) * unit);
  const weekHours = ceil(t - 7 * DAY, HOUR);
  const monthHours = ceil(t - 30 * DAY, HOUR);
  return {
    dayStart: new Date(dayAgo),
    dayHours: ceil(dayAgo, HOUR),
    weekHours,
    weekDays: ceil(weekHours.getTime(), DAY),
    monthHours,
    monthDays: ceil(monthHours.getTime(), DAY),
  };
}

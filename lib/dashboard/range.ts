import { z } from 'zod';
import type { RollupWindow } from '@/db/queries/rollup-windows';

export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type Range = (typeof RANGES)[number];
export const DEFAULT_RANGE: Range = '24h';

/** `?range=` from the URL: anything else (missing, typo, array) is the default, never an error page. */
export const rangeInput = z.enum(RANGES).catch(DEFAULT_RANGE);
export const parseRange = (raw: unknown): Range => rangeInput.parse(Array.isArray(raw) ? raw[0] : raw);

/**
 * Which rollup tier a range reads (`res`, the stored bucket width in seconds) and how wide one
 * chart point is (`bucketS`). A chart never needs more than ~700 points, and every range is
 * served by a tier the default retention keeps (minutes 24 h, hours 35 d):
 * - 1 h: minute rollups as stored, 60 points;
 * - 24 h: minute rollups folded into 5-minute points in SQL (288 points: hour rollups would
 *   give only 24, too coarse to see a short outage);
 * - 7 d: hour rollups, 168 points (minute rollups are gone after 24 h);
 * - 30 d: hour rollups, 720 points (day rollups would give 30, too coarse; raw would be 43,200
 *   rows per monitor).
 */
export const RANGE_SPECS: Record<Range, { label: string; seconds: number; res: 60 | 3600; bucketS: number }> = {
  '1h': { label: '1 h', seconds: 3600, res: 60, bucketS: 60 },
  '24h': { label: '24 h', seconds: 86_400, res: 60, bucketS: 300 },
  '7d': { label: '7 d', seconds: 7 * 86_400, res: 3600, bucketS: 3600 },
  '30d': { label: '30 d', seconds: 30 * 86_400, res: 3600, bucketS: 3600 },
};

/** A rollup window (the tier and bucket width the queries read) with the range it shows and its point count. */
export type ChartWindow = RollupWindow & { range: Range; points: number };

/**
 * The chart's buckets: aligned to the bucket width (so a refresh does not shift every point)
 * and ending with the bucket that contains `now` (the rollups are upserted as results arrive,
 * so the current bucket is partial but real).
 */
export function chartWindow(range: Range, now: Date): ChartWindow {
  const { res, bucketS, seconds } = RANGE_SPECS[range];
  const width = bucketS * 1000;
  const end = Math.floor(now.getTime() / width) * width + width;
  const points = seconds / bucketS;
  return { range, res, bucketS, points, start: new Date(end - points * width), end: new Date(end) };
}

/** Every bucket start of the window, oldest first, in epoch ms. */
export function bucketTimes(w: ChartWindow): number[] {
  return Array.from({ length: w.points }, (_, i) => w.start.getTime() + i * w.bucketS * 1000);
}

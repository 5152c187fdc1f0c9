import { formatDate, formatDateTime, formatTime } from '@/lib/time/format';
import type { Range } from '@/lib/dashboard/range';

// Ticks on round times (a numeric axis would pick round numbers of milliseconds instead).
const STEP: Record<Range, number> = { '1h': 10 * 60_000, '24h': 4 * 3_600_000, '7d': 86_400_000, '30d': 5 * 86_400_000 };

export function timeTicks(range: Range, start: number, end: number): number[] {
  const step = STEP[range];
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** In the reader's zone: the charts are client components under the zone provider, so the server render and hydration agree. */
export function tickLabel(range: Range, t: number, zone: string): string {
  return range === '1h' || range === '24h' ? formatTime(t, zone) : formatDate(t, zone).slice(5);
}

export function pointLabel(t: number, zone: string): string {
  return formatDateTime(t, zone);
}

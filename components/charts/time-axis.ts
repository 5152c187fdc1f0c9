import type { Range } from '@/lib/dashboard/range';

// Ticks on round times (a numeric axis would pick round numbers of milliseconds instead).
const STEP: Record<Range, number> = { '1h': 10 * 60_000, '24h': 4 * 3_600_000, '7d': 86_400_000, '30d': 5 * 86_400_000 };

export function timeTicks(range: Range, start: number, end: number): number[] {
  const step = STEP[range];
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** UTC on purpose: the server renders the same text, so hydration never disagrees with the browser's zone. */
export function tickLabel(range: Range, t: number): string {
  const d = new Date(t);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return range === '1h' || range === '24h' ? hm : md;
}

export function pointLabel(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

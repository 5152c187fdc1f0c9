/**
 * The panel's one way to show a time to a person, on Intl, in the reader's time zone.
 * Machine formats (logs, file names, cron, exports, API bodies) stay ISO 8601 UTC and do not come here.
 *
 * Text is assembled from numeric parts, never from a locale's whole pattern: the server (Node)
 * and the browser ship different ICU versions whose punctuation and month names differ ("Sep" or
 * "Sept", ", " or " at "), and a hydrated <Time> must render the same characters on both.
 */
import { zoneOrFallback } from './zones';

export type TimeValue = Date | string | number;

type Parts = { weekday: string; year: string; month: string; day: string; hour: string; minute: string; second: string };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function toDate(value: TimeValue): Date {
  return value instanceof Date ? value : new Date(value);
}

function partsOf(value: TimeValue, zone: string | null | undefined): Parts {
  const out: Record<string, string> = {};
  for (const p of formatterFor(zoneOrFallback(zone)).formatToParts(toDate(value))) out[p.type] = p.value;
  return {
    weekday: out.weekday ?? '',
    year: out.year ?? '',
    month: out.month ?? '',
    day: out.day ?? '',
    hour: out.hour ?? '',
    minute: out.minute ?? '',
    second: out.second ?? '',
  };
}

/** How far `zone`'s wall clock is ahead of UTC at that instant, in minutes (negative west of Greenwich). */
export function zoneOffsetMinutes(value: TimeValue, zone: string | null | undefined): number {
  const p = partsOf(value, zone);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((wall - Math.floor(toDate(value).getTime() / 1000) * 1000) / 60_000);
}

/** "UTC+05:30": worked out from the wall clock, since ICU versions name offsets differently ("GMT", "GMT+00:00"). */
function offsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The instant a calendar day ("2026-03-29") starts in `zone`: for date filters, which mean the
 * reader's day, not UTC's. Two passes, because the offset at UTC midnight may differ from the
 * offset at local midnight on a daylight-saving day.
 */
export function startOfDayIn(day: string, zone: string | null | undefined): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - zoneOffsetMinutes(wall, zone) * 60_000;
  return new Date(wall - zoneOffsetMinutes(first, zone) * 60_000);
}

/** "2026-12-07": for days (certificate expiry, a secret's creation). */
export function formatDate(value: TimeValue, zone: string | null | undefined): string {
  const p = partsOf(value, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "14:05", or "14:05:09" with seconds: for chart ticks and times within one day. */
export function formatTime(value: TimeValue, zone: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  const p = partsOf(value, zone);
  return opts.seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
}

/** "2026-12-07 14:05" (or with seconds): the form tables use. */
export function formatDateTime(value: TimeValue, zone: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  const p = partsOf(value, zone);
  return `${p.year}-${p.month}-${p.day} ${opts.seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`}`;
}

/** "Mon 2026-12-07 14:05:09 UTC+01:00 (Europe/Berlin)": everything, for a hover title. */
export function formatFull(value: TimeValue, zone: string | null | undefined): string {
  const z = zoneOrFallback(zone);
  const p = partsOf(value, z);
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${offsetText(zoneOffsetMinutes(value, z))} (${z})`;
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/**
 * "3 minutes ago", "in 2 hours", "yesterday". It depends on the reader's clock, so a hydrated
 * component shows it only after mount (see components/ui/time.tsx); zone-free by nature.
 */
export function formatRelative(value: TimeValue, now: TimeValue = Date.now()): string {
  let amount = (toDate(value).getTime() - toDate(now).getTime()) / 1000;
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.trunc(amount), unit);
    amount /= size;
  }
  return relative.format(Math.trunc(amount), 'year');
}

/** "850 ms", "42 s", "5 min 3 s", "2 h 5 min", "3 d 4 h": how long a step, a run or a check took. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return h ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

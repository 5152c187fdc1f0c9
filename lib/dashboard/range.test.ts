import { describe, expect, it } from 'vitest';
import { uptimeWindows } from '@/db/queries/rollup-windows';
import { bucketTimes, chartWindow, parseRange, RANGE_SPECS } from './range';

const now = new Date('2026-03-10T12:34:30Z');

describe('dashboard ranges', () => {
  it('maps each range to the rollup tier and point width it is served from', () => {
    const shape = (r: '1h' | '24h' | '7d' | '30d') => {
      const w = chartWindow(r, now);
      return [w.res, w.bucketS, w.points, bucketTimes(w).length];
    };
    expect(shape('1h')).toEqual([60, 60, 60, 60]);
    expect(shape('24h')).toEqual([60, 300, 288, 288]);
    expect(shape('7d')).toEqual([3600, 3600, 168, 168]);
    expect(shape('30d')).toEqual([3600, 3600, 720, 720]);
    for (const spec of Object.values(RANGE_SPECS)) expect(spec.seconds % spec.bucketS).toBe(0);
  });

  it('aligns the window to the point width and ends it with the bucket that holds now', () => {
    const w = chartWindow('24h', now);
    expect(w.end.toISOString()).toBe('2026-03-10T12:35:00.000Z');
    expect(w.start.toISOString()).toBe('2026-03-09T12:35:00.000Z');
    const m = chartWindow('30d', now);
    expect(m.end.toISOString()).toBe('2026-03-10T13:00:00.000Z');
    expect(bucketTimes(m).at(-1)).toBe(Date.parse('2026-03-10T12:00:00Z'));
  });

  it('falls back to 24 h for a missing, unknown, differently cased or repeated ?range=', () => {
    expect(parseRange(undefined)).toBe('24h');
    expect(parseRange('')).toBe('24h');
    expect(parseRange('90d')).toBe('24h');
    expect(parseRange('30D')).toBe('24h');
    expect(parseRange("7d' or 1=1")).toBe('24h');
    expect(parseRange(['7d', '1h'])).toBe('7d');
    expect(parseRange('1h')).toBe('1h');
  });

  it('splits 24 h into minutes then hours, and 7 d / 30 d into hours then days', () => {
    const u = uptimeWindows(now);
    const iso = Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v.toISOString()]));
    expect(iso).toEqual({
      dayStart: '2026-03-09T12:34:30.000Z',
      dayHours: '2026-03-09T13:00:00.000Z',
      weekHours: '2026-03-03T13:00:00.000Z',
      weekDays: '2026-03-04T00:00:00.000Z',
      monthHours: '2026-02-08T13:00:00.000Z',
      monthDays: '2026-02-09T00:00:00.000Z',
    });
    // On the hour exactly, nothing is read from minute rollups.
    const onHour = uptimeWindows(new Date('2026-03-10T12:00:00Z'));
    expect(onHour.dayHours).toEqual(onHour.dayStart);
  });
});

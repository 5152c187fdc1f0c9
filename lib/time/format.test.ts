import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatDuration, formatFull, formatRelative, formatTime, startOfDayIn } from './format';
import { isTimeZone, zoneOrFallback } from './zones';

// 2026-03-29 00:30 UTC: the night Europe/Berlin moves from +01:00 to +02:00 (at 01:00 UTC).
const beforeShift = new Date('2026-03-29T00:30:05Z');
const afterShift = new Date('2026-03-29T01:30:05Z');

describe('formatting in a zone', () => {
  it('shows the same instant in the reader zone, across a daylight-saving change', () => {
    expect(formatDateTime(beforeShift, 'UTC')).toBe('2026-03-29 00:30');
    expect(formatDateTime(beforeShift, 'Europe/Berlin')).toBe('2026-03-29 01:30');
    expect(formatDateTime(afterShift, 'Europe/Berlin')).toBe('2026-03-29 03:30');
    expect(formatDateTime(beforeShift, 'America/Los_Angeles', { seconds: true })).toBe('2026-03-28 17:30:05');
    expect(formatDate(beforeShift, 'Pacific/Kiritimati')).toBe('2026-03-29');
    expect(formatTime(beforeShift, 'Asia/Kolkata')).toBe('06:00');
  });

  it('writes midnight as 00, not 24', () => {
    expect(formatTime(new Date('2026-01-01T00:00:00Z'), 'UTC', { seconds: true })).toBe('00:00:00');
  });

  it('names the offset and the zone in the full form', () => {
    expect(formatFull(afterShift, 'Europe/Berlin')).toBe('Sun 2026-03-29 03:30:05 UTC+02:00 (Europe/Berlin)');
    expect(formatFull(afterShift, 'America/St_Johns')).toBe('Sat 2026-03-28 23:00:05 UTC-02:30 (America/St_Johns)');
    expect(formatFull(afterShift, null)).toBe('Sun 2026-03-29 01:30:05 UTC+00:00 (UTC)');
  });

  it('falls back to UTC for a user with no zone or a zone that is not one', () => {
    expect(formatDateTime(beforeShift, null)).toBe('2026-03-29 00:30');
    expect(formatDateTime(beforeShift, 'Mars/Olympus_Mons')).toBe('2026-03-29 00:30');
    expect(formatDateTime('2026-03-29T00:30:05Z', undefined)).toBe('2026-03-29 00:30');
  });
});

describe('a calendar day in a zone', () => {
  it('starts at local midnight, also on a daylight-saving day', () => {
    expect(startOfDayIn('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDayIn('2026-03-30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(startOfDayIn('2026-12-07', 'Asia/Kolkata').toISOString()).toBe('2026-12-06T18:30:00.000Z');
    expect(startOfDayIn('2026-12-07', 'America/New_York').toISOString()).toBe('2026-12-07T05:00:00.000Z');
    expect(startOfDayIn('2026-12-07', null).toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });
});

describe('time zone names', () => {
  it('accepts IANA names, UTC and renamed zones', () => {
    for (const z of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Asia/Calcutta'])
      expect(isTimeZone(z), z).toBe(true);
  });
  it('refuses offsets, unknown names, empty and oversize text', () => {
    for (const z of ['', '+01:00', 'GMT+1x', 'Europe/Atlantis', 'utc; rm -rf /', 'a'.repeat(65), 'Europe/Berlin\0'])
      expect(isTimeZone(z), z).toBe(false);
    expect(zoneOrFallback('Europe/Atlantis')).toBe('UTC');
  });
});

describe('relative times and durations', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('says how long ago, in the unit people use', () => {
    expect(formatRelative(new Date('2026-12-07T11:57:00Z'), now)).toBe('3 minutes ago');
    expect(formatRelative(new Date('2026-12-07T11:59:59Z'), now)).toBe('1 second ago');
    expect(formatRelative(now, now)).toBe('now');
    expect(formatRelative(new Date('2026-12-07T14:00:00Z'), now)).toBe('in 2 hours');
    expect(formatRelative(new Date('2026-12-06T11:00:00Z'), now)).toBe('yesterday');
    expect(formatRelative(new Date('2025-10-07T12:00:00Z'), now)).toBe('last year');
  });
  it('writes durations in at most two units', () => {
    expect([850, 42_000, 303_000, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000, -1, Number.NaN].map(formatDuration)).toEqual([
      '850 ms',
      '42 s',
      '5 min 3 s',
      '2 h 5 min',
      '3 d 4 h',
      '—',
      '—',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { BackupRun } from '@/db/schema';
import { applyRetention, isoWeekOf, retentionForget, type RetentionCandidate } from './retention';

const DAY = 86_400_000;
const at = (iso: string) => new Date(`${iso}T03:15:00Z`);
const idOf = (t: Date) => t.toISOString().slice(0, 10);
const policy = (daily: number, weekly: number, monthly: number) => ({ daily, weekly, monthly });

/** One backup a day at 03:15 UTC from `first`, `n` days; those whose date is in `verified` are verified. */
function dailyRuns(first: string, n: number, verified: string[] = []): RetentionCandidate[] {
  return Array.from({ length: n }, (_, i) => {
    const time = new Date(at(first).getTime() + i * DAY);
    return { id: idOf(time), time, verified: verified.includes(idOf(time)) };
  });
}

describe('GFS retention (restic --keep-daily/--keep-weekly/--keep-monthly, UTC)', () => {
  it('60 daily runs leave exactly the daily, weekly and monthly sets, plus the newest verified backup', () => {
    // 2030-01-01 (a Tuesday) … 2030-03-01 (a Friday, ISO week 2030-W09): 60 runs.
    const runs = dailyRuns('2030-01-01', 60, ['2030-01-10', '2030-01-15']);
    expect(runs.at(-1)!.id).toBe('2030-03-01');
    const now = new Date('2030-03-01T12:00:00Z');
    const d = applyRetention(runs, policy(7, 4, 3), now);

    const daily = ['2030-03-01', '2030-02-28', '2030-02-27', '2030-02-26', '2030-02-25', '2030-02-24', '2030-02-23'];
    // The newest of ISO weeks W09 (Mar 1), W08 (Sun Feb 24), W07 (Sun Feb 17), W06 (Sun Feb 10).
    const weekly = ['2030-03-01', '2030-02-24', '2030-02-17', '2030-02-10'];
    const monthly = ['2030-03-01', '2030-02-28', '2030-01-31'];
    const newestVerified = '2030-01-15';
    const expected = [...new Set([...daily, ...weekly, ...monthly, newestVerified])].sort().reverse();
    expect(d.keep).toEqual(expected);
    expect(d.keep).toHaveLength(11);
    expect(d.forget).toHaveLength(60 - 11);
    expect(d.forget).toContain('2030-01-10'); // verified, but not the newest verified one
    expect(d.reasons['2030-03-01']).toEqual(['daily', 'weekly', 'monthly']);
    expect(d.reasons['2030-02-24']).toEqual(['daily', 'weekly']);
    expect(d.reasons['2030-01-15']).toEqual(['newest verified']);
    expect(d.reasons['2030-01-31']).toEqual(['monthly']);
  });

  it('a newest verified backup already kept by a rule is kept once', () => {
    const d = applyRetention(dailyRuns('2030-01-01', 10, ['2030-01-10']), policy(2, 0, 0), new Date('2030-02-01T00:00:00Z'));
    expect(d.keep).toEqual(['2030-01-10', '2030-01-09']);
    expect(d.reasons['2030-01-10']).toEqual(['daily', 'newest verified']);
  });

  it('without any verified backup, only the rules keep', () => {
    const d = applyRetention(dailyRuns('2030-01-01', 10), policy(3, 0, 0), new Date('2030-02-01T00:00:00Z'));
    expect(d.keep).toEqual(['2030-01-10', '2030-01-09', '2030-01-08']);
  });

  it('counts days that have a backup, not calendar days (a gap does not shorten what is kept)', () => {
    const runs = ['2030-01-01', '2030-01-05', '2030-01-20'].map((id) => ({ id, time: at(id), verified: false }));
    const d = applyRetention(runs, policy(2, 0, 0), new Date('2030-03-01T00:00:00Z'));
    expect(d.keep).toEqual(['2030-01-20', '2030-01-05']);
    expect(d.forget).toEqual(['2030-01-01']);
  });

  it('keeps the newest backup of a day with several, and the result does not depend on input order', () => {
    const runs: RetentionCandidate[] = [
      { id: 'morning', time: new Date('2030-01-02T03:00:00Z'), verified: false },
      { id: 'evening', time: new Date('2030-01-02T21:00:00Z'), verified: false },
      { id: 'noon', time: new Date('2030-01-02T12:00:00Z'), verified: false },
      { id: 'yesterday', time: new Date('2030-01-01T12:00:00Z'), verified: false },
    ];
    const now = new Date('2030-01-03T00:00:00Z');
    const d = applyRetention(runs, policy(2, 0, 0), now);
    expect(d.keep).toEqual(['evening', 'yesterday']);
    expect(d.forget).toEqual(['noon', 'morning']);
    expect(applyRetention([...runs].reverse(), policy(2, 0, 0), now)).toEqual(d);
  });

  it('a rule at 0 keeps nothing; weekly alone keeps one per ISO week', () => {
    const d = applyRetention(dailyRuns('2030-01-01', 21), policy(0, 2, 0), new Date('2030-02-01T00:00:00Z'));
    // Jan 21 (Mon) opens W04; Jan 20 (Sun) closes W03.
    expect(d.keep).toEqual(['2030-01-21', '2030-01-20']);
  });

  it('a backup dated in the future (a clock that jumped) is kept and takes no bucket', () => {
    const runs = dailyRuns('2030-01-01', 5);
    runs.push({ id: 'future', time: new Date('2031-01-01T00:00:00Z'), verified: false });
    const d = applyRetention(runs, policy(2, 0, 0), new Date('2030-01-06T00:00:00Z'));
    expect(d.keep).toEqual(['future', '2030-01-05', '2030-01-04']);
    expect(d.reasons.future).toEqual(['future']);
  });

  it('nothing in, nothing out', () => {
    expect(applyRetention([], policy(7, 4, 6), new Date())).toEqual({ keep: [], forget: [], reasons: {} });
  });

  it('ISO weeks across a year boundary', () => {
    expect(isoWeekOf(new Date('2026-12-31T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // a Friday: still 2026's week 53
    expect(isoWeekOf(new Date('2027-01-04T00:00:00Z'))).toBe('2027-W01');
    expect(isoWeekOf(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01'); // a Monday: already 2025's week 1
    expect(isoWeekOf(new Date('2030-03-03T23:59:59Z'))).toBe('2030-W09'); // Sunday ends the week
    expect(isoWeekOf(new Date('2030-03-04T00:00:00Z'))).toBe('2030-W10');
  });
});

describe('retentionForget (the engine helper’s entry, with runs from the database)', () => {
  const run = (id: string, over: Partial<BackupRun>): BackupRun =>
    ({
      id,
      kind: 'backup',
      status: 'succeeded',
      forgottenAt: null,
      verifiedAt: null,
      scheduledFor: null,
      createdAt: new Date('2030-01-01T00:00:00Z'),
      ...over,
    }) as BackupRun;

  it('uses the cron slot as the time, counts only succeeded backups not yet forgotten, and returns the runs', () => {
    const runs = [
      run('slot-jan-3', { scheduledFor: at('2030-01-03'), createdAt: at('2030-01-09') }),
      run('manual-jan-2', { createdAt: at('2030-01-02'), verifiedAt: at('2030-01-02') }),
      run('jan-1', { scheduledFor: at('2030-01-01') }),
      run('failed-jan-4', { status: 'failed', scheduledFor: at('2030-01-04') }),
      run('gone-jan-5', { scheduledFor: at('2030-01-05'), forgottenAt: at('2030-01-06') }),
      run('drill', { kind: 'drill', createdAt: at('2030-01-06') }),
    ];
    const { keep, forget } = retentionForget(runs, policy(1, 0, 0), new Date('2030-02-01T00:00:00Z'));
    expect(keep.map((r) => r.id)).toEqual(['slot-jan-3', 'manual-jan-2']);
    expect(forget.map((r) => r.id)).toEqual(['jan-1']);
    expect(forget[0]).toBe(runs[2]);
  });
});

import { CronExpressionParser } from 'cron-parser';

/**
 * Cron slots of a policy's schedules, in UTC (the panel's time zone). Pure, so the scheduler,
 * the dead-man interval and the UI's "next run" agree on what a schedule means.
 */

const parse = (schedule: string, currentDate: Date) => CronExpressionParser.parse(schedule, { currentDate, tz: 'UTC' });

/** The newest slot at or before `now` (cron-parser's prev() is strictly before its current date). */
export function latestSlot(schedule: string, now: Date): Date {
  return parse(schedule, new Date(now.getTime() + 1))
    .prev()
    .toDate();
}

/** The first slot strictly after `after`. */
export function nextSlot(schedule: string, after: Date): Date {
  return parse(schedule, after).next().toDate();
}

/** Look this far ahead (and at least this many slots) so weekends, month ends and odd hour lists show up. */
const SPAN_MS = 8 * 86_400_000;
const MIN_SLOTS = 13;
const MAX_SLOTS = 2000;

/**
 * The longest wait between two consecutive slots over the coming slots, in seconds: the dead
 * man's period. "0 9 * * 1-5" gives 3 days (Friday to Monday), not 1, so a quiet weekend does
 * not alert; "0 0 1 * *" gives 31 days. An every-minute schedule is uniform, so the cap on how
 * many slots are walked changes nothing.
 */
export function longestGapS(schedule: string, from: Date): number {
  // Walking up to 2000 slots takes a few hundred ms for "*/5 * * * *", and the tick asks for
  // every policy every minute: the answer only moves with the calendar, so once a day will do.
  const key = `${schedule}|${from.toISOString().slice(0, 10)}`;
  let gap = gapCache.get(key);
  if (gap === undefined) {
    if (gapCache.size > 500) gapCache.clear();
    gap = walkLongestGapS(schedule, from);
    gapCache.set(key, gap);
  }
  return gap;
}

const gapCache = new Map<string, number>();

function walkLongestGapS(schedule: string, from: Date): number {
  const it = parse(schedule, from);
  let prev = it.next().toDate().getTime();
  const start = prev;
  let longest = 0;
  for (let n = 1; n < MAX_SLOTS; n++) {
    const t = it.next().toDate().getTime();
    longest = Math.max(longest, t - prev);
    prev = t;
    if (n >= MIN_SLOTS && t - start >= SPAN_MS) break;
  }
  return Math.round(longest / 1000);
}

/**
 * The slot to run now, or null: the newest slot at or before `now`, when it is later than both
 * the last run (`lastAt`, its slot or request time) and when the scheduler first saw the policy
 * (`since`). Only the most recent missed slot runs: a panel that was off for a week takes one
 * backup when it comes back, not seven, and a new policy never back-fills old slots.
 */
export function dueSlot(schedule: string, now: Date, since: Date, lastAt: Date | null): Date | null {
  const slot = latestSlot(schedule, now);
  const after = Math.max(since.getTime(), lastAt?.getTime() ?? Number.NEGATIVE_INFINITY);
  return slot.getTime() > after ? slot : null;
}

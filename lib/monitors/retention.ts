/**
 * Keeps storage bounded: raw results for `rawHours`, then each rollup tier for its own span
 * (lib/monitors/settings.ts). Run by the engine every ~10 minutes; each run deletes what aged
 * out since the last, so the deletes stay small.
 */
import type { Db } from '@/db';
import { deleteResultsBefore, deleteRollupsBefore } from '@/db/queries/check-results';
import { ROLLUP } from '@/db/schema';
import type { MonitoringSettings } from './settings';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type PruneCounts = { results: number; minutes: number; hours: number; days: number };

export async function pruneChecks(
  db: Db,
  s: Pick<MonitoringSettings, 'rawHours' | 'minuteHours' | 'hourDays' | 'dayDays'>,
  now = new Date(),
): Promise<PruneCounts> {
  const t = now.getTime();
  return {
    results: await deleteResultsBefore(db, new Date(t - s.rawHours * HOUR)),
    minutes: await deleteRollupsBefore(db, ROLLUP.minute, new Date(t - s.minuteHours * HOUR)),
    hours: await deleteRollupsBefore(db, ROLLUP.hour, new Date(t - s.hourDays * DAY)),
    days: await deleteRollupsBefore(db, ROLLUP.day, new Date(t - s.dayDays * DAY)),
  };
}

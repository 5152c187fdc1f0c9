import { z } from 'zod';
import type { Db } from '@/db';
import { getSetting, putSetting } from '@/db/queries/settings';

const KEY = 'monitoring';

/**
 * How long each tier of check results and FPM samples is kept, and how often FPM is polled.
 * The defaults keep a 60 s monitor under 1 MB (bench/monitor-storage.ts): raw results for the
 * 1 h chart and incident detail, minutes for 24 h, hours for 7 d and 30 d, days for a year.
 */
export const monitoringSettingsInput = z.object({
  rawHours: z.coerce
    .number()
    .int()
    .min(1, 'Keep raw results at least 1 hour')
    .max(24 * 31, 'Keep raw results at most 31 days'),
  minuteHours: z.coerce
    .number()
    .int()
    .min(24, 'Keep minute rollups at least 24 hours (the 24 h chart reads them)')
    .max(24 * 31),
  hourDays: z.coerce.number().int().min(31, 'Keep hour rollups at least 31 days (the 30 d chart reads them)').max(3650),
  dayDays: z.coerce.number().int().min(31).max(3650),
  fpmIntervalS: z.coerce.number().int().min(5, 'Poll FPM at most every 5 seconds').max(3600),
});

export type MonitoringSettings = z.output<typeof monitoringSettingsInput>;

export const DEFAULT_MONITORING: MonitoringSettings = { rawHours: 48, minuteHours: 24, hourDays: 35, dayDays: 400, fpmIntervalS: 15 };

export async function monitoringSettings(db: Db): Promise<MonitoringSettings> {
  const stored = await getSetting(db, KEY);
  if (!stored) return DEFAULT_MONITORING;
  const parsed = monitoringSettingsInput.safeParse({ ...DEFAULT_MONITORING, ...JSON.parse(stored) });
  return parsed.success ? parsed.data : DEFAULT_MONITORING;
}

export async function saveMonitoringSettings(db: Db, value: MonitoringSettings): Promise<void> {
  await putSetting(db, KEY, JSON.stringify(monitoringSettingsInput.parse(value)));
}

import { CronExpressionParser } from 'cron-parser';

/** Five fields, checked by cron-parser; macros like @reboot are not offered. */
export function cronScheduleProblem(schedule: string): string | null {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return 'a schedule has exactly five fields (minute hour day month weekday)';
  try {
    CronExpressionParser.parse(fields.join(' '));
    return null;
  } catch (err) {
    return `not a valid schedule: ${(err as Error).message}`;
  }
}

import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { panelPolicyFromForm } from '@/lib/backups/panel-schedule';
import { configFromForm } from '@/lib/apps/form-input';
import { appConfigInput } from './app-config';
import { backupPoliciesInput } from './backup-policy';
import { cronScheduleProblem } from './cron-schedule';

// What Debian's cron (Vixie cron 3.0) runs; lib/recipes/configure/cron.integration.test.ts runs
// one line of each form on a real cron.
const ACCEPTED = [
  '15 3 7 12 1', // plain numbers
  '* * * * *',
  '0-30 9-17 * * *', // ranges
  '0,15,30,45 * 1,15 * *', // lists
  '*/5 */2 * * *', // steps
  '5-59/10 0-23/6 * * *', // ranges with steps
  '0 0 * jan,JUL Sun', // names, any case
  '30 8 * * mon-fri', // a range of names
  '0 0 * jan-jun sun-sat',
  '0 0 * * 7', // Sunday as 7
  '0 0 * * 5-7',
  '  0   4\t* * *  ', // any blanks between fields
];

describe('cron schedules: what Debian cron runs', () => {
  it.each(ACCEPTED)('accepts %j, and cron-parser (the backup slots) reads it too', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeNull();
    expect(() => CronExpressionParser.parse(schedule.trim().split(/\s+/).join(' '), { tz: 'UTC' })).not.toThrow();
  });

  it('reads names and numbers as the same days (cron-parser agrees with Vixie on them)', () => {
    const next = (s: string) =>
      CronExpressionParser.parse(s, { tz: 'UTC', currentDate: new Date('2026-12-05T12:00:00Z') })
        .next()
        .toISOString();
    expect(next('0 0 * * mon-fri')).toBe(next('0 0 * * 1-5'));
    expect(next('0 0 * * SUN')).toBe(next('0 0 * * 7'));
    expect(next('0 0 * Jan *')).toBe(next('0 0 * 1 *'));
  });
});

describe('cron schedules: what Debian cron does not run is refused, naming the part', () => {
  it.each([
    ['0 0 L * *', /^day of month: `L` \(last day\) is not supported by Debian's cron$/],
    ['0 0 5L * *', /`L` \(last day\)/],
    ['0 0 * * 5L', /^weekday: `L` \(last day\)/],
    ['0 0 * * 1#2', /^weekday: `#` \(nth weekday of the month\) is not supported by Debian's cron: it reads `1#2` as `1`/],
    ['0 0 ? * *', /^day of month: `\?` \(no specific value\) is not supported by Debian's cron: use `\*`$/],
    ['H * * * *', /^minute: `H` \(hashed value\) is not supported by Debian's cron/],
    ['H/15 * * * *', /`H` \(hashed value\)/],
    ['0 0 15W * *', /^day of month: `W` \(nearest weekday\)/],
  ])('%j', (schedule, message) => {
    expect(cronScheduleProblem(schedule)).toMatch(message);
  });

  it('refuses macros, saying what to write instead', () => {
    expect(cronScheduleProblem('@daily')).toBe('`@daily` is not offered: write its five fields, `0 0 * * *`');
    expect(cronScheduleProblem('@HOURLY')).toMatch(/`0 \* \* \* \*`/);
    expect(cronScheduleProblem('@reboot')).toMatch(/^`@reboot` is not offered: it runs only when cron starts/);
    expect(cronScheduleProblem('@sometimes')).toMatch(/is not a schedule/);
  });

  it('refuses a step after a single value, which Debian cron drops and cron-parser keeps', () => {
    expect(cronScheduleProblem('5/10 * * * *')).toMatch(/^minute: a step needs `\*` or a range before it \(`5-59\/10`, not `5\/10`\)/);
  });

  it('refuses bad numbers, names and shapes, in the field where they are', () => {
    expect(cronScheduleProblem('61 * * * *')).toBe('minute: 61 is out of range (0–59)');
    expect(cronScheduleProblem('0 24 * * *')).toBe('hour: 24 is out of range (0–23)');
    expect(cronScheduleProblem('0 0 0 * *')).toBe('day of month: 0 is out of range (1–31)');
    expect(cronScheduleProblem('0 0 * 13 *')).toBe('month: 13 is out of range (1–12)');
    expect(cronScheduleProblem('0 0 * * 8')).toBe('weekday: 8 is out of range (0–7)');
    expect(cronScheduleProblem('0 0 * * monday')).toBe("weekday: write `mon`, not `monday` (three letters, as Debian's cron reads names)");
    expect(cronScheduleProblem('0 0 * * xyz')).toMatch(/^weekday: `xyz` is not a weekday name/);
    expect(cronScheduleProblem('0 mon * * *')).toMatch(/^hour: `mon` is not a number \(names are for months and weekdays only\)/);
    expect(cronScheduleProblem('30-10 * * * *')).toMatch(/^minute: the range `30-10` runs backwards/);
    expect(cronScheduleProblem('0 0 * * fri-mon')).toMatch(/^weekday: the range `fri-mon` runs backwards/);
    expect(cronScheduleProblem('*/0 * * * *')).toBe('minute: the step in `*/0` must be 1–59');
    expect(cronScheduleProblem('*/x * * * *')).toMatch(/the step in `\*\/x` is not a number/);
    expect(cronScheduleProblem('1-2-3 * * * *')).toMatch(/`1-2-3` is not a range/);
    expect(cronScheduleProblem('1,,2 * * * *')).toMatch(/^minute: an empty item in a list/);
    expect(cronScheduleProblem('-5 * * * *')).toBe('minute: `-5` needs a value on each side of the `-`');
    expect(cronScheduleProblem('* * * *')).toMatch(/five fields/);
    expect(cronScheduleProblem('0 * * * * *')).toMatch(/five fields/); // seconds
    expect(cronScheduleProblem('')).toMatch(/five fields/);
  });

  it('refuses a day written with `*` beside the other day field, which Debian cron and cron-parser read differently', () => {
    expect(cronScheduleProblem('0 0 */2 * 1')).toBe(
      'day of month: `*/2` beside a weekday means "both" to Debian\'s cron and "either" to other crons: write it without `*` (`1-31/2`) for "either"',
    );
    expect(cronScheduleProblem('0 0 1 * */2')).toMatch(/^weekday: `\*\/2` beside a day of month .*\(`0-7\/2`\)/);
    expect(cronScheduleProblem('0 0 1-31/2 * 1')).toBeNull();
    expect(cronScheduleProblem('0 0 */2 * *')).toBeNull();
    expect(cronScheduleProblem('0 0 * * */2')).toBeNull();
  });

  it('refuses a date that never comes', () => {
    expect(cronScheduleProblem('0 0 30 2 *')).toBe('this schedule never runs: that day of the month does not exist in the months given');
    expect(cronScheduleProblem('0 0 * * *,1')).toMatch(/^this schedule cannot be used: .*duplicate/);
  });
});

describe('every place a cron line is typed uses the one rule, with a field error', () => {
  const base = { slug: 'shop', kind: 'php', domains: ['shop.test'] };
  it('app cron entries (the settings form, its definition and API schema)', () => {
    const config = appConfigInput.safeParse({ ...base, cron: [{ schedule: '0 0 L * *', argv: ['true'] }] });
    expect(config.success ? [] : config.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['cron.0.schedule', "day of month: `L` (last day) is not supported by Debian's cron"],
    ]);
    const form = configFromForm({ cron: 'true\n0 0 * * 1#2 php artisan x\n@daily php artisan y' }, appConfigInput.parse(base));
    expect(form.ok ? {} : form.fieldErrors.cron).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Line 2: weekday: `#` \(nth weekday/),
        expect.stringMatching(/^Line 3: `@daily` is not offered/),
      ]),
    );
  });

  it('backup and drill schedules, and the panel backup', () => {
    const policies = backupPoliciesInput.safeParse([{ name: 'daily', target: 'off', schedule: '? * * * *', drillSchedule: 'H 4 * * 0' }]);
    expect(policies.success ? [] : policies.error.issues.map((i) => i.path.join('.'))).toEqual(['0.schedule', '0.drillSchedule']);
    const panel = panelPolicyFromForm({ target: 'off', schedule: '5/10 * * * *', retentionDaily: '7', graceMinutes: '60' });
    expect(panel.ok ? {} : panel.fieldErrors.schedule).toEqual([expect.stringMatching(/a step needs/)]);
  });
});

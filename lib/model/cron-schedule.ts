import { CronExpressionParser } from 'cron-parser';

/**
 * The one rule for "a cron line" in Berth: app cron entries (written to /etc/cron.d, run by the
 * server's cron), backup and restore-drill schedules and the panel's own backup (run by the
 * panel, slots computed with cron-parser). All of them accept exactly what Debian's cron (Vixie
 * cron 3.0, entry.c) runs, so a schedule means the same wherever it is typed, and nothing that
 * cron-parser happens to understand (`L`, `1#2`, `?`, `H`, seconds) reaches a cron.d file: Debian's
 * cron ignores a whole file with one line it cannot read, the Laravel scheduler's line included,
 * and reads `1#2` as `1` (both tried on a test host: lib/recipes/configure/cron.integration.test.ts).
 *
 * A field is a comma-separated list of elements; an element is `*`, a value or a range `a-b`,
 * and `*` or a range may take a step `/n`. Values are digits, or in the month and weekday fields
 * three-letter English names in any case (`jan`, `MON`), also as ends of a range (`mon-fri`).
 * `a/n` is refused: Debian's cron cannot read it (tried on a test host: the whole file was then
 * ignored, as it was for `L`), while cron-parser reads it as `a-max/n`.
 *
 * Macros (`@daily`, `@reboot`, …) are refused. `@daily` and the like are only other spellings of
 * five-field schedules, and the forms, definitions and backup slots all work on five fields.
 * `@reboot` runs when cron starts, which on a server Berth configures means "never again until a
 * reboot", not "once after a deploy": a program that must run all the time is a worker.
 */

type Field = { name: string; min: number; max: number; names?: readonly string[] };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
// Vixie cron counts weekday names from 0 (Sunday); 7 is Sunday again, as a number only.
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const CRON_FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'weekday', min: 0, max: 7, names: WEEKDAYS },
];

const FIVE_FIELDS = 'a schedule has exactly five fields (minute hour day month weekday)';

/** Forms other crons (Quartz, Jenkins, cron-parser) know and Debian's does not, each with why. */
const FOREIGN: { test: RegExp; message: string }[] = [
  { test: /#/, message: "`#` (nth weekday of the month) is not supported by Debian's cron: it reads `1#2` as `1`, every Monday" },
  { test: /^\?$/, message: "`?` (no specific value) is not supported by Debian's cron: use `*`" },
  { test: /^H($|[(/])/i, message: "`H` (hashed value) is not supported by Debian's cron: pick a number" },
  { test: /^\d*LW?$|^L-\d+$/i, message: "`L` (last day) is not supported by Debian's cron" },
  { test: /^\d+W$/i, message: "`W` (nearest weekday) is not supported by Debian's cron" },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function macroProblem(macro: string): string {
  const lower = macro.toLowerCase();
  if (lower === '@reboot')
    return '`@reboot` is not offered: it runs only when cron starts, not after a deploy (a program that must always run is a worker)';
  const spelled = MACROS[lower];
  if (spelled) return `\`${macro}\` is not offered: write its five fields, \`${spelled}\``;
  return `\`${macro}\` is not a schedule: write five fields (minute hour day month weekday)`;
}

/** A value of the field: digits, or a name where the field has names. Returns a problem as text. */
function fieldValue(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : `${field.name}: ${text} is out of range (${field.min}–${field.max})`;
  }
  if (/^[a-z]+$/i.test(text)) {
    if (!field.names) return `${field.name}: \`${text}\` is not a number (names are for months and weekdays only)`;
    const index = field.names.indexOf(text.toLowerCase());
    if (index >= 0) return index + field.min;
    const three = field.names.find((n) => text.toLowerCase().startsWith(n));
    if (three) return `${field.name}: write \`${three}\`, not \`${text}\` (three letters, as Debian's cron reads names)`;
    return `${field.name}: \`${text}\` is not a ${field.name} name (${field.names[0]}–${field.names.at(-1)})`;
  }
  return `${field.name}: \`${text}\` is not a number`;
}

function elementProblem(element: string, field: Field): string | null {
  for (const foreign of FOREIGN) if (foreign.test.test(element)) return `${field.name}: ${foreign.message}`;
  if (element === '') return `${field.name}: an empty item in a list (two commas, or a comma at an end)`;
  const [base = '', step, ...extra] = element.split('/');
  if (extra.length > 0) return `${field.name}: \`${element}\` has more than one step`;
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return `${field.name}: the step in \`${element}\` is not a number`;
    const n = Number(step);
    if (n < 1 || n > field.max) return `${field.name}: the step in \`${element}\` must be 1–${field.max}`;
    if (base !== '*' && !base.includes('-'))
      return `${field.name}: a step needs \`*\` or a range before it (\`${base}-${field.max}/${step}\`, not \`${element}\`)`;
  }
  if (base === '*') return null;
  const ends = base.split('-');
  if (ends.length > 2) return `${field.name}: \`${base}\` is not a range (\`a-b\`)`;
  if (ends.includes('')) return `${field.name}: \`${base}\` needs a value on each side of the \`-\``;
  const values = ends.map((end) => fieldValue(end, field));
  const problem = values.find((v) => typeof v === 'string');
  if (problem !== undefined) return problem;
  const [low, high] = values as number[];
  if (high !== undefined && low! > high) return `${field.name}: the range \`${base}\` runs backwards (write the lower end first)`;
  return null;
}

/**
 * With both day fields set, Debian's cron runs on days that match either, unless one of them
 * starts with `*` (a step over `*`): then only on days that match both. cron-parser (the backup
 * slots) always takes "either", so that one spelling is refused rather than meaning two things.
 */
function daysProblem(day: string, weekday: string): string | null {
  if (day === '*' || weekday === '*' || !(day.startsWith('*') || weekday.startsWith('*'))) return null;
  const [name, text] = day.startsWith('*') ? ['day of month', day] : ['weekday', weekday];
  return `${name}: \`${text}\` beside a ${name === 'weekday' ? 'day of month' : 'weekday'} means "both" to Debian's cron and "either" to other crons: write it without \`*\` (\`${text.replace('*', name === 'weekday' ? '0-7' : '1-31')}\`) for "either"`;
}

/**
 * Null when Debian's cron runs this schedule, else what is wrong with it, naming the field.
 * The schedule is checked as typed (surrounding space aside); callers store and render it with
 * single spaces between fields.
 */
export function cronScheduleProblem(schedule: string): string | null {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) return macroProblem(trimmed.split(/\s+/)[0]!);
  const fields = trimmed.split(/\s+/);
  if (trimmed === '' || fields.length !== 5) return FIVE_FIELDS;
  for (const [i, text] of fields.entries()) {
    for (const element of text.split(',')) {
      const problem = elementProblem(element, CRON_FIELDS[i]!);
      if (problem) return problem;
    }
  }
  const mixed = daysProblem(fields[2]!, fields[4]!);
  if (mixed) return mixed;
  // The grammar holds; what is left is what cron-parser (which computes the panel's backup slots)
  // cannot compute: a date that never comes (30 February), or a list that repeats itself (`*,1`).
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
    return null;
  } catch (err) {
    const message = (err as Error).message;
    if (/day of month/i.test(message)) return 'this schedule never runs: that day of the month does not exist in the months given';
    return `this schedule cannot be used: ${message}`;
  }
}

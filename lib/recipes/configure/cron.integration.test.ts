import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { cronScheduleProblem } from '@/lib/model/cron-schedule';
import { appLayout } from '@/lib/plan/app-layout';
import { and, cmd, render } from '@/lib/remote/command';
import { testbedServer } from '@/test-support/testbed-server';

/**
 * Every form of cron line Berth accepts (lib/model/cron-schedule.ts) runs on the real cron of a
 * test host. Each form gets its own line, due at the same coming minute, written through the
 * configure recipe (the same /etc/cron.d file an app gets); each line touches a marker named
 * after its form. Two lines for another weekday and another month must not run, so a cron that
 * ignored names (or a test that saw every-minute runs) would fail.
 *
 * The forms Berth refuses are written straight to cron.d, each in a file of its own beside an
 * every-minute line, to show why they are refused: for `L`, `?`, `H` and `a/n` Debian's cron
 * ignores the whole file (in an app's file that would silence the Laravel scheduler too), and
 * `w#5` is read as plain `w`, so it runs on the wrong days.
 */
const SLUG = 'cron-forms';
const l = appLayout(SLUG);
/** Emptied before each run: a marker left by an earlier run must not pass for this one. */
const MARKERS = `${l.shared}/cron-markers`;
let bed: Awaited<ReturnType<typeof testbedServer>>;

beforeAll(async () => {
  bed = await testbedServer();
});
/** Refused forms that make Debian's cron drop the file they are in. */
const DROPS_FILE = { L: '0 0 L * *', question: '0 0 ? * *', H: 'H * * * *', 'single-step': '5/10 * * * *' };
const REFUSED_FORMS = [...Object.keys(DROPS_FILE), 'hash'];
const refusedPath = (form: string) => `/etc/cron.d/berth-cron-refused-${form}`;

afterAll(async () => {
  if (!bed) return;
  await bed.transport.exec(cmd('rm', '-f', ...REFUSED_FORMS.map(refusedPath)));
  await bed.cleanup([SLUG]);
});

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** `dEc`, `MON`: Debian's cron reads names in any case. */
const oddCase = (name: string) => name[0] + name.slice(1).toUpperCase();

/** The lines for a minute, as the host's cron sees it (its own clock and time zone). */
function formsAt(t: { minute: number; hour: number; day: number; month: number; weekday: number }) {
  const { minute: m, hour: h } = t;
  const today = WEEKDAYS[t.weekday]!;
  const tomorrow = WEEKDAYS[(t.weekday + 1) % 7]!;
  const month = MONTHS[t.month - 1]!;
  const step = m >= 2 ? m : m === 0 ? 7 : 1;
  const run: Record<string, string> = {
    plain: `${m} ${h} ${t.day} ${t.month} ${t.weekday}`,
    star: '* * * * *',
    range: `${m}-${Math.min(m + 2, 59)} ${h}-${Math.min(h + 1, 23)} * * *`,
    list: `${(m + 30) % 60},${m} * * * *`,
    step: `*/${step} * * * *`,
    'range-step': `${m % 5}-59/5 * * * *`,
    'month-name': `${m} * * ${oddCase(month)} *`,
    'weekday-name': `${m} * * * ${today.toUpperCase()}`,
    'name-ranges': `${m} * * ${month}-dec ${today}-sat`,
    'name-list': `${m} * * * ${tomorrow},${today}`,
    'weekday-to-7': `${m} * * * ${t.weekday}-7`,
  };
  const never: Record<string, string> = {
    'other-weekday': `${m} * * * ${tomorrow}`,
    'other-month': `${m} * * ${MONTHS[t.month % 12]} *`,
  };
  return { run, never };
}

describe("Debian's cron runs every form Berth accepts", () => {
  /** Writes every line for the minute starting at `target` (ms), and empties the markers. */
  async function install(target: number) {
    const fields = (await bed.transport.exec(cmd('date', '-d', `@${target / 1000}`, '+%M %H %d %m %w'))).stdout
      .trim()
      .split(' ')
      .map(Number);
    const [minute, hour, day, month, weekday] = fields as [number, number, number, number, number];
    const { run, never } = formsAt({ minute, hour, day, month, weekday });

    const all = { ...run, ...never };
    for (const schedule of Object.values(all)) expect(cronScheduleProblem(schedule), schedule).toBeNull();
    const cron = Object.entries(all).map(([form, schedule]) => ({ schedule, argv: ['touch', `${MARKERS}/ran-${form}`] }));
    const app = appConfigInput.parse({ slug: SLUG, kind: 'static', domains: ['cron-forms.test'], cron });
    expect((await bed.configure(app, ['worker'])).result).toEqual({ ok: true });
    const misread = { hash: `${minute} * * * ${weekday}#5` };
    for (const [form, schedule] of Object.entries({ ...DROPS_FILE, ...misread })) {
      expect(cronScheduleProblem(schedule), schedule).not.toBeNull();
      const touch = (name: string) => `root ${render(cmd('touch', `${MARKERS}/${name}`))}`;
      const text = `${schedule} ${touch(`refused-${form}`)}\n* * * * * ${touch(`beside-refused-${form}`)}\n`;
      await bed.transport.upload(text, refusedPath(form), { mode: 0o644, owner: 'root', group: 'root' });
    }
    await bed.transport.exec(and(cmd('rm', '-rf', MARKERS), cmd('install', '-d', '-o', l.user, '-g', l.group, MARKERS)));
    return run;
  }

  it('runs one line of each form at the coming minute, and not the lines for another day or month', async () => {
    // A minute that starts at least 20 s from now, so the files are in place before cron wakes for
    // it; on a machine so slow that writing them took longer, once more for the minute after.
    let target = 0;
    let run: Record<string, string> = {};
    for (let attempt = 0; attempt < 2 && Date.now() >= target - 5_000; attempt++) {
      target = Math.ceil((Date.now() + 20_000) / 60_000) * 60_000;
      run = await install(target);
    }
    expect(Date.now()).toBeLessThan(target - 5_000);

    const ran = async () =>
      (await bed.transport.exec(cmd('ls', '-1', MARKERS))).stdout
        .split('\n')
        .filter((f) => f.startsWith('ran-'))
        .map((f) => f.slice('ran-'.length))
        .sort();
    // cron starts a minute's jobs within a second or two of it; 40 s covers a loaded machine.
    await expect.poll(ran, { timeout: target + 40_000 - Date.now(), interval: 2_000 }).toEqual(expect.arrayContaining(Object.keys(run)));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await ran()).toEqual(Object.keys(run).sort());
    const refused = (await bed.transport.exec(cmd('ls', '-1', MARKERS))).stdout.split('\n').filter((f) => f.includes('refused'));
    expect(refused.sort()).toEqual(['beside-refused-hash', 'refused-hash']);
  }, 150_000);
});

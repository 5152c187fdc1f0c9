import { cronScheduleProblem } from '@/lib/model/cron-schedule';
import { and, cmd, redirect, render } from '@/lib/remote/command';
import { HEADER, safe, TemplateValueError } from './directive';

export type CronEntry = { schedule: string; argv: string[] };

/**
 * /etc/cron.d/berth-<slug>: each line runs as the app's user from its current release. cron
 * hands the line to /bin/sh, so the command comes from the one renderer; `%` means "newline"
 * to cron and is escaped.
 */
export function renderCron(opts: { slug: string; user: string; directory: string; entries: CronEntry[] }): string {
  const lines = opts.entries.map((e) => {
    const problem = cronScheduleProblem(e.schedule);
    if (problem) throw new TemplateValueError(problem);
    if (e.argv.length === 0 || e.argv.some((a) => /[\r\n]/.test(a)))
      throw new TemplateValueError('a cron command needs a program and no line breaks');
    const [program, ...args] = e.argv;
    const command = render(and(cmd('cd', opts.directory), redirect(cmd(program!, ...args), '/dev/null')));
    return `${e.schedule.trim().split(/\s+/).join(' ')} ${safe('user', opts.user)} ${command.replaceAll('%', '\\%')}`;
  });
  return [`# ${HEADER}`, 'SHELL=/bin/sh', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...lines, ''].join('\n');
}

/** Laravel's scheduler: `php artisan schedule:run` every minute. */
export const laravelScheduler = (phpVersion: string): CronEntry => ({
  schedule: '* * * * *',
  argv: [`php${phpVersion}`, 'artisan', 'schedule:run'],
});

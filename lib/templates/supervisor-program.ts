import { cmd, render } from '@/lib/remote/command';
import { HEADER, positiveInt, safe, TemplateValueError } from './directive';

export type WorkerConfig = {
  slug: string;
  /** Worker name, unique within the app (e.g. "default", "emails"). */
  name: string;
  /** Program and arguments, e.g. ["php", "artisan", "queue:work", "--sleep=3"]. */
  argv: string[];
  user: string;
  directory: string;
  processes: number;
  stopWaitSeconds: number;
  logDir: string;
  /** supervisor's autorestart: always (true), on-failure (unexpected exit codes), never. */
  restart?: 'always' | 'on-failure' | 'never';
  /** Plain values only (a process app's slot gets PORT and HOST); secrets never go in a config file. */
  environment?: Record<string, string>;
  /** Started when supervisord starts or the program is added; a process app's idle slot is not. */
  autostart?: boolean;
};

const AUTORESTART = { always: 'true', 'on-failure': 'unexpected', never: 'false' } as const;

/** `_` joins slug and worker: neither may contain one, so app "shop" + worker "acme-x" never meets app "shop-acme" + worker "x". */
const programName = (slug: string, name: string) => `berth-${safe('slug', slug)}_${safe('worker name', name)}`;

/**
 * supervisord splits `command=` like a POSIX shell (shlex), so the one renderer's quoting holds;
 * `%` starts supervisor's own expansions and is doubled, and a line break cannot be carried at all.
 */
function supervisorCommand(argv: string[]): string {
  if (argv.length === 0) throw new TemplateValueError('a worker needs a command');
  if (argv.some((a) => /[\r\n]/.test(a))) throw new TemplateValueError('a worker command cannot contain line breaks');
  const [program, ...args] = argv;
  return render(cmd(program!, ...args)).replaceAll('%', '%%');
}

/** supervisord reads `environment=` as KEY="value" pairs; the values here are checked plain words. */
function environmentLine(vars: Record<string, string> | undefined): string[] {
  const entries = Object.entries(vars ?? {});
  if (entries.length === 0) return [];
  return [`environment=${entries.map(([k, v]) => `${safe('environment name', k)}="${safe(`value of ${k}`, v)}"`).join(',')}`];
}

/** Program sections only, each its own supervisor group (a process app's slots: `update` then touches one slot alone). */
export function renderPrograms(slug: string, workers: WorkerConfig[]): string[] {
  return workers.map((w) => {
    const program = programName(slug, w.name);
    return [
      `[program:${program}]`,
      `command=${supervisorCommand(w.argv)}`,
      'process_name=%(program_name)s_%(process_num)02d',
      `numprocs=${positiveInt('process count', w.processes)}`,
      `directory=${safe('directory', w.directory)}`,
      `user=${safe('user', w.user)}`,
      ...environmentLine(w.environment),
      `autostart=${w.autostart ?? true}`,
      `autorestart=${AUTORESTART[w.restart ?? 'always']}`,
      'startsecs=1',
      `stopwaitsecs=${positiveInt('stop wait seconds', w.stopWaitSeconds, 1)}`,
      // Stop the worker's children with it (a queue worker's running job included).
      'stopasgroup=true',
      'killasgroup=true',
      'redirect_stderr=true',
      `stdout_logfile=${safe('log directory', w.logDir)}/${program}.log`,
      'stdout_logfile_maxbytes=10MB',
      'stdout_logfile_backups=3',
      '',
    ].join('\n');
  });
}

export function renderWorkers(slug: string, workers: WorkerConfig[]): string {
  const blocks = renderPrograms(slug, workers);
  const group = [`[group:berth-${safe('slug', slug)}]`, `programs=${workers.map((w) => programName(slug, w.name)).join(',')}`, ''].join(
    '\n',
  );
  return [`; ${HEADER}`, ...blocks, ...(workers.length ? [group] : [])].join('\n');
}

/**
 * Typed shell commands and the ONE renderer that turns them into shell text.
 *
 * Nothing else in Berth builds shell text: callers compose values with `cmd`, `and`,
 * `pipe`, … and `render` single-quotes every word (program names included), so user input
 * can only ever be one argument. Secrets never belong here: they travel as uploaded file
 * content or over stdin (see transport.ts).
 */

export type Arg = string | number;

export type Command =
  | { readonly kind: 'simple'; readonly argv: readonly string[] }
  | { readonly kind: 'and' | 'or' | 'pipe' | 'pipefail'; readonly parts: readonly Command[] }
  | { readonly kind: 'asUser'; readonly user: string; readonly command: Command }
  | { readonly kind: 'redirect'; readonly command: Command; readonly path: string; readonly append: boolean }
  | { readonly kind: 'env'; readonly vars: Readonly<Record<string, string>>; readonly command: Command }
  | { readonly kind: 'ignoreFailure'; readonly command: Command }
  | { readonly kind: 'locked'; readonly path: string; readonly command: Command };

/** Several steps sent as one `set -eu` script over stdin to `sh -s` (one round trip). */
export interface Script {
  readonly kind: 'script';
  readonly steps: readonly Command[];
}

/** Unix user and group names as useradd accepts them by default (no dots, no upper case). */
export const UNIX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class CommandError extends Error {
  override name = 'CommandError';
}

function word(value: Arg, what: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CommandError(`${what} must be a finite number, got ${value}`);
    return String(value);
  }
  if (typeof value !== 'string') throw new CommandError(`${what} must be a string or a number`);
  // sh cannot pass a NUL inside an argument: it would silently truncate it.
  if (value.includes('\0')) throw new CommandError(`${what} contains a NUL byte, which a shell cannot pass`);
  return value;
}

export function cmd(program: string, ...args: Arg[]): Command {
  const name = word(program, 'program name');
  if (name === '') throw new CommandError('program name is empty');
  return { kind: 'simple', argv: [name, ...args.map((a, i) => word(a, `argument ${i + 1} of ${name}`))] };
}

function list(kind: 'and' | 'or' | 'pipe' | 'pipefail', parts: Command[]): Command {
  if (parts.length === 0) throw new CommandError(`${kind}() needs at least one command`);
  return parts.length === 1 ? parts[0]! : { kind, parts };
}

/** `a && b && …`: stops at the first failure. */
export const and = (...parts: Command[]): Command => list('and', parts);
/** `a || b || …`: runs the next only if the previous failed. */
export const or = (...parts: Command[]): Command => list('or', parts);
/** `a | b | …`: the exit status is the LAST command's (dash has no pipefail). */
export const pipe = (...parts: Command[]): Command => list('pipe', parts);
/**
 * `a | b | …` that fails when ANY part fails: run by bash with pipefail (dash has none). For
 * data pipelines (a dump into a checksum, a restore into psql), where a producer that died
 * must never look like success because the consumer exited 0.
 */
export const pipefail = (...parts: Command[]): Command => {
  if (parts.length < 2) throw new CommandError('pipefail() needs at least two commands');
  return { kind: 'pipefail', parts };
};

/** Run as another unix user; needs a root connection (runuser ships with util-linux). */
export function asUser(user: string, command: Command): Command {
  if (!UNIX_NAME.test(user)) throw new CommandError(`not a valid unix user name: ${JSON.stringify(user)}`);
  return { kind: 'asUser', user, command };
}

/** `command > path`, or `>> path` with append. Only stdout is redirected. */
export function redirect(command: Command, path: string, opts: { append?: boolean } = {}): Command {
  const target = word(path, 'redirect path');
  if (target === '') throw new CommandError('redirect path is empty');
  return { kind: 'redirect', command, path: target, append: opts.append ?? false };
}

/** Non-secret environment variables (they are visible in the process list). */
export function env(vars: Record<string, Arg>, command: Command): Command {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (!ENV_KEY.test(key)) throw new CommandError(`not a valid environment variable name: ${JSON.stringify(key)}`);
    clean[key] = word(value, `value of ${key}`);
  }
  if (command.kind === 'simple' && command.argv[0]!.includes('=')) {
    // env would take the program for one more assignment.
    throw new CommandError(`env() cannot run a program whose name contains '=': ${command.argv[0]}`);
  }
  return { kind: 'env', vars: clean, command };
}

/** `command || true`: for clean-ups whose failure is expected and harmless. */
export const ignoreFailure = (command: Command): Command => ({ kind: 'ignoreFailure', command });

/** Exit code of a `locked` command whose lock another process holds. */
export const LOCK_BUSY_EXIT = 75;

/**
 * `flock -n <path> command`: refuses at once (exit 75) while another process holds the lock, e.g.
 * a release step left running by a panel that died; the lock goes with that process.
 */
export function locked(path: string, command: Command): Command {
  const target = word(path, 'lock path');
  if (target === '') throw new CommandError('lock path is empty');
  return { kind: 'locked', path: target, command };
}

export function script(...steps: Command[]): Script {
  // An empty { } group is a syntax error in sh.
  if (steps.length === 0) throw new CommandError('script() needs at least one step');
  return { kind: 'script', steps };
}

/** POSIX single quoting: the only character that needs care inside '…' is ' itself. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A child that is itself a list is grouped, so `and(a, or(b, c))` keeps its meaning. */
function grouped(command: Command): string {
  const text = renderCommand(command);
  return command.kind === 'simple' ? text : `{ ${text}; }`;
}

/** For wrappers that exec a program (env, runuser): a compound command goes through `sh -c`. */
function asProgram(command: Command): string[] {
  return command.kind === 'simple' ? [...command.argv] : ['sh', '-c', renderCommand(command)];
}

const OPERATOR = { and: ' && ', or: ' || ', pipe: ' | ' } as const;

function renderCommand(command: Command): string {
  switch (command.kind) {
    case 'simple':
      return command.argv.map(quote).join(' ');
    case 'and':
    case 'or':
    case 'pipe':
      return command.parts.map(grouped).join(OPERATOR[command.kind]);
    case 'pipefail':
      return ['bash', '-o', 'pipefail', '-c', command.parts.map(grouped).join(OPERATOR.pipe)].map(quote).join(' ');
    case 'asUser':
      return ['runuser', '-u', command.user, '--', ...asProgram(command.command)].map(quote).join(' ');
    case 'redirect':
      return `${grouped(command.command)} ${command.append ? '>>' : '>'} ${quote(command.path)}`;
    case 'env':
      return ['env', ...Object.entries(command.vars).map(([k, v]) => `${k}=${v}`), ...asProgram(command.command)].map(quote).join(' ');
    case 'ignoreFailure':
      return `${grouped(command.command)} || ${quote('true')}`;
    case 'locked':
      return ['flock', '-n', '-E', String(LOCK_BUSY_EXIT), command.path, ...asProgram(command.command)].map(quote).join(' ');
  }
}

/**
 * Set -e does not stop a script when a command fails that is not the last of an && list
 * (POSIX), nor reliably for a failing { group; }. Such steps get an explicit exit.
 */
function scriptLine(step: Command): string {
  const text = renderCommand(step);
  const needsExit = step.kind === 'and' || (step.kind === 'redirect' && step.command.kind !== 'simple');
  return needsExit ? `${text} || exit $?` : text;
}

/**
 * The script is one { … } group: the shell parses all of it before running any of it, so
 * a script cut short in transit runs nothing, and no step can read the rest of the script
 * from the shared stdin (each step gets /dev/null).
 */
function renderScript(s: Script, reportSteps: boolean): string {
  const lines = s.steps.flatMap((step, i) => [
    ...(reportSteps ? [`printf '${STEP_REPORT_PREFIX}%s\\n' ${i + 1} >&2`] : []),
    scriptLine(step),
  ]);
  return ['set -eu', '{', ...lines, '} </dev/null', ''].join('\n');
}

export function render(command: Command | Script): string {
  return command.kind === 'script' ? renderScript(command, false) : renderCommand(command);
}

/**
 * The exec wrapper transport.ts uses: the remote shell first reports its pid on stderr
 * (sshd makes it a session and process-group leader), so a timed-out command can be
 * killed with its whole process group, not just the shell.
 */
export const PID_REPORT_PREFIX = 'berth-pid:';
export function renderWithPidReport(command: Command): string {
  return `printf '${PID_REPORT_PREFIX}%s\\n' "$$" >&2; ${renderCommand(command)}`;
}

/** As render(script), plus a line on stderr before each step, so a failure can name its step. */
export const STEP_REPORT_PREFIX = 'berth-step:';
export function renderWithStepReports(s: Script): string {
  return renderScript(s, true);
}

/** Kills a process group (the pid reported by renderWithPidReport). */
export function killProcessGroup(pid: number, signal: 'KILL' | 'TERM' = 'KILL'): Command {
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new CommandError(`not a process group id: ${pid}`);
  // No `--`: dash's kill rejects it, and `-SIG -PGID` works in dash and bash alike.
  return cmd('kill', `-${signal}`, `-${pid}`);
}

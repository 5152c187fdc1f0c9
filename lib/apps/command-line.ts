import { parse } from 'shell-quote';

/**
 * A command typed in a form (worker, cron line, process app, release command) → argv, split the
 * way a shell splits words: quotes and backslashes are honoured. Berth runs it WITHOUT a shell
 * (each word is quoted by the one renderer), so shell syntax that would silently change meaning —
 * operators, redirections, globs, $VARIABLES, comments, VAR=x prefixes — is refused with a reason.
 */
export type ParsedCommand = { argv: string[] } | { error: string };

const EXPANDED = '\u0000berth-expansion\u0000';

export function parseCommandLine(text: string): ParsedCommand {
  let tokens: ReturnType<typeof parse>;
  try {
    tokens = parse(text, () => EXPANDED);
  } catch (err) {
    return { error: `cannot read this command: ${(err as Error).message}` };
  }
  const argv: string[] = [];
  for (const token of tokens) {
    if (typeof token !== 'string') {
      if ('comment' in token) return { error: 'remove the # comment: commands run without a shell' };
      if ('op' in token && token.op === 'glob') return { error: `${token.pattern} would not be expanded: commands run without a shell` };
      return {
        error: `"${'op' in token ? token.op : '?'}" needs a shell, and commands run without one: put it in a script in the repository and run that`,
      };
    }
    if (token.includes(EXPANDED))
      return { error: 'a $VARIABLE would not be expanded: commands run without a shell (set values in the app’s environment)' };
    argv.push(token);
  }
  if (argv.length === 0) return { error: 'enter a command' };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!))
    return { error: `${argv[0]} sets a variable, which needs a shell: set it in the app’s environment` };
  return { argv };
}

/** argv back to a line parseCommandLine reads as the same argv; plain words stay bare, for the forms. */
export function formatCommandLine(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

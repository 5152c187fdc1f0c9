import { cmd, script, type Command, type Script } from '@/lib/remote/command';

const MARK = '@@berth@@';

/** One script that runs each command after a marker line, so one round trip reads several things. */
export function sectionedScript(...commands: Command[]): Script {
  return script(...commands.flatMap((c) => [cmd('echo', MARK), c]));
}

/** The output of each command of a sectionedScript, in order. */
export function sections(stdout: string): string[] {
  return stdout
    .split(`${MARK}\n`)
    .slice(1)
    .map((s) => s.trim());
}

import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The panel host's own processes (git for the release mirror), kept beside the SSH layer so that
 * rule 1 holds everywhere else: a program and an argv, never a shell, never shell text.
 */
const run = promisify(execFile);

export type LocalFailure = { stderr: string; killed: boolean; message: string };

export async function runLocal(
  program: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  const { stdout } = await run(program, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 16 << 20, shell: false });
  return stdout;
}

export function spawnLocal(
  program: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv },
): ChildProcessWithoutNullStreams {
  return spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: 'pipe', shell: false });
}

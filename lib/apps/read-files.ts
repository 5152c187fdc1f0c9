import { randomBytes } from 'node:crypto';
import { and, cmd, or, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';

/**
 * Reads several files in ONE round trip (rule 5), byte for byte as `cat` gives them, so the
 * result compares with rendered content exactly as ensureFile does. null: the file does not exist.
 *
 * lib/recipes/sections.ts trims and uses a fixed marker; here a file may end without a newline
 * and an admin's nginx snippet may contain any text, so each call uses a fresh random marker and
 * puts a newline before it (stripped again when parsing).
 */
export async function readFiles(
  transport: Transport,
  paths: string[],
  opts: { timeoutMs?: number } = {},
): Promise<Map<string, string | null>> {
  if (paths.length === 0) return new Map();
  const mark = `berth-file-${randomBytes(12).toString('hex')}`;
  const steps = paths.map((p) =>
    or(
      and(cmd('test', '!', '-e', p), cmd('printf', '\\n%s absent\\n', mark)),
      // A path that exists but cannot be read (a directory) fails the script: better than calling it absent.
      and(cmd('printf', '\\n%s present\\n', mark), cmd('cat', '--', p)),
    ),
  );
  const { stdout } = await transport.runScript(script(...steps), { timeoutMs: opts.timeoutMs ?? 15_000 });
  return parseFiles(stdout, mark, paths);
}

/** Splits readFiles' output back into one entry per path, in order. */
export function parseFiles(stdout: string, mark: string, paths: string[]): Map<string, string | null> {
  const parts = stdout.split(`\n${mark} `).slice(1);
  if (parts.length !== paths.length) throw new Error(`expected ${paths.length} files in the output, found ${parts.length}`);
  const out = new Map<string, string | null>();
  parts.forEach((part, i) => {
    const nl = part.indexOf('\n');
    const state = part.slice(0, nl);
    if (state !== 'present' && state !== 'absent') throw new Error(`unexpected file marker: ${state.slice(0, 40)}`);
    out.set(paths[i]!, state === 'absent' ? null : part.slice(nl + 1));
  });
  return out;
}

import { cmd, type Command } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';

async function readIfExists(transport: Transport, path: string): Promise<string | null> {
  const result = await transport.exec(cmd('cat', path), { okExitCodes: [0, 1] });
  return result.code === 0 ? result.stdout : null;
}

/**
 * Makes a config file hold `content`: untouched when it already does; otherwise written
 * atomically, then validated, and put back as it was when validation fails. Returns whether
 * the file changed.
 */
export async function ensureFile(
  transport: Transport,
  path: string,
  content: string,
  opts: { mode: number; validate?: Command; log(line: string): void },
): Promise<boolean> {
  const before = await readIfExists(transport, path);
  if (before === content) return false;
  await transport.upload(content, path, { mode: opts.mode });
  opts.log(`wrote ${path}`);
  if (!opts.validate) return true;
  try {
    await transport.exec(opts.validate);
  } catch (err) {
    if (before === null) await transport.exec(cmd('rm', '-f', path));
    else await transport.upload(before, path, { mode: opts.mode });
    opts.log(`validation failed: restored ${path}`);
    throw err;
  }
  return true;
}

/**
 * Makes a file absent: removed, then validated, and put back when validation fails (e.g. another
 * config still includes it). Returns whether the file was there.
 */
export async function ensureAbsent(
  transport: Transport,
  path: string,
  opts: { mode: number; validate?: Command; log(line: string): void },
): Promise<boolean> {
  const before = await readIfExists(transport, path);
  if (before === null) return false;
  await transport.exec(cmd('rm', '-f', path));
  opts.log(`removed ${path}`);
  if (!opts.validate) return true;
  try {
    await transport.exec(opts.validate);
  } catch (err) {
    await transport.upload(before, path, { mode: opts.mode });
    opts.log(`validation failed: restored ${path}`);
    throw err;
  }
  return true;
}

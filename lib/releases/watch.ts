import { appLayout } from '@/lib/plan/app-layout';
import { cmd, pipe } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';

/**
 * The watch window's arithmetic: the app's nginx access log (ACCESS_LOG_FIELDS: `$msec $status
 * $realpath_root`) says which release answered each request, so the new release's 5xx share is
 * compared with the share of the releases before it, on each server.
 */
export type Tally = { requests: number; errors: number };
export type ServerWatch = { serverId: string; offset: number; before: Tally; after: Tally };

const zero = (): Tally => ({ requests: 0, errors: 0 });
const add = (t: Tally, status: number) => ({ requests: t.requests + 1, errors: t.errors + (status >= 500 ? 1 : 0) });

/** Lines answered by `releaseDir` (its web root or below) and by anything else (older releases). */
export function tallyLines(text: string, releaseDir: string, into: { before: Tally; after: Tally }): { before: Tally; after: Tally } {
  let { before, after } = into;
  for (const line of text.split('\n')) {
    const m = line.match(/^\d+(?:\.\d+)? (\d{3}) (\/\S*)$/);
    if (!m) continue;
    const root = m[2]!;
    // The ACME location has its own root: not the app's code, not counted.
    if (!root.includes('/releases/')) continue;
    if (root === releaseDir || root.startsWith(`${releaseDir}/`)) after = add(after, Number(m[1]));
    else before = add(before, Number(m[1]));
  }
  return { before, after };
}

/** Fewer requests than this to the new release say nothing either way. */
export const MIN_REQUESTS = 20;
const pct = (t: Tally) => (t.requests ? (100 * t.errors) / t.requests : 0);

/** Why the new release must go back, or null: its 5xx share rose `risePct` points or more above the one before. */
export function watchVerdict(w: Pick<ServerWatch, 'before' | 'after'>, risePct: number): string | null {
  if (w.after.requests < MIN_REQUESTS) return null;
  if (pct(w.after) - pct(w.before) < risePct) return null;
  return `the 5xx share rose from ${pct(w.before).toFixed(1)} % to ${pct(w.after).toFixed(1)} % (${w.after.errors} of ${w.after.requests} requests to the new release)`;
}

/** Beyond this a poll reads no more (a busy app writes far less in one poll interval); the rest waits for the next. */
const MAX_READ = 4 * 1024 * 1024;
const BASELINE_LINES = 2000;

/**
 * The log's size, and what was written since `offset` (on the first read, the last lines, which
 * hold the rate before the switch). A log rotated since (smaller than the offset) is read again
 * from its start. nginx writes whole lines; a read cut by MAX_READ ends at its last newline.
 */
export async function readWatch(
  transport: Transport,
  slug: string,
  releaseDir: string,
  prev: ServerWatch | null,
  serverId: string,
): Promise<ServerWatch> {
  const log = appLayout(slug).accessLog;
  const opts = { timeoutMs: 15_000, okExitCodes: [0, 1] };
  const size = Number((await transport.exec(cmd('stat', '-c', '%s', log), opts)).stdout.trim()) || 0;
  const from = prev && size >= prev.offset ? prev.offset : 0;
  const tail = prev ? cmd('tail', '-c', `+${from + 1}`, log) : cmd('tail', '-n', String(BASELINE_LINES), log);
  const body = (await transport.exec(pipe(tail, cmd('head', '-c', String(MAX_READ))), opts)).stdout;
  const whole = body.slice(0, body.lastIndexOf('\n') + 1);
  const counted = tallyLines(whole, releaseDir, prev ?? { before: zero(), after: zero() });
  return { serverId, offset: prev ? from + Buffer.byteLength(whole) : size, ...counted };
}

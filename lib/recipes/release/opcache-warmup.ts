import { TIMED_OUT_EXIT } from '@/lib/remote/fastcgi';
import {
  describeWarmup,
  parseWarmup,
  WARMUP_FILE,
  WARMUP_PHP,
  warmupCommand,
  type WarmupOptions,
  type WarmupResult,
} from './opcache-warmup-script';
import { asUser, cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, unchanged, type Task, type TaskIO } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/**
 * Defaults until the app config has a field for them. 10 s keeps a release moving even for a
 * large vendor tree (Laravel's ~3,000 files compile in about a second); 10 % free leaves OPcache
 * room for what the walk could not foresee (eval'd code, files outside the release).
 */
export const WARMUP_BUDGET_MS = 10_000;
export const WARMUP_MIN_FREE = 0.1;

export type WarmupOutcome = { result: WarmupResult | null; detail: string };

/**
 * The new release's PHP files, compiled into the pool's OPcache before `current` moves, so the
 * first requests after the switch do not all compile the same files at once in every worker (the
 * "thundering herd": a CPU spike and a latency spike under load). It runs after the gate (a build
 * that cannot answer is never warmed) and on every web server before any switches.
 *
 * Warm-up is an optimisation, not a gate: a timeout, a pool that gives no answer, OPcache being
 * disabled or restricted, even a failed upload, are logged and the release goes on. Only a
 * cancellation stops it. Files that fail to compile are counted, never fatal: the gate judged
 * the entry point, and code nobody loads must not block a release.
 */
export const opcacheWarmup: Task<ReleaseContext> = {
  name: 'opcache-warmup',
  async run(ctx, io) {
    const { app } = ctx;
    if (!ctx.roles.includes('web')) return unchanged('not a web server for this app');
    if (app.kind !== 'php') return unchanged(`${app.kind} apps have no PHP-FPM pool to warm`);
    const started = Date.now();
    let outcome: WarmupOutcome;
    try {
      outcome = await warmRelease(io, app.slug, ctx.number, { previous: ctx.previous });
    } catch (err) {
      if (io.signal.aborted) throw err;
      outcome = { result: null, detail: err instanceof Error ? err.message : String(err) };
    }
    const line = outcome.result
      ? `opcache-warmup: releases/${ctx.number}: ${describeWarmup(outcome.result, Date.now() - started)}`
      : `opcache-warmup: releases/${ctx.number} not warmed (the release goes on): ${outcome.detail}`;
    io.log(line);
    const summary = line.replace(/^opcache-warmup: /, '');
    return outcome.result && outcome.result.compiled > 0 ? changed(summary) : unchanged(summary);
  },
};

/** `ctx.previous` ("releases/4") as the absolute directory OPcache keys its scripts by; anything else is ignored. */
export function previousDir(base: string, previous: string | null | undefined, number: number): string | undefined {
  return previous && /^releases\/\d+$/.test(previous) && previous !== `releases/${number}` ? `${base}/${previous}` : undefined;
}

/**
 * Uploads the script (the app user's, 0640: only the pool reads it), runs it through the app's
 * pool, and removes it whatever happened. Exported for the integration test and the bench, which
 * warm a release that is not current.
 */
export async function warmRelease(
  io: Pick<TaskIO, 'transport' | 'signal'>,
  slug: string,
  number: number,
  o: { previous?: string | null; budgetMs?: number; minFree?: number; walk?: boolean } = {},
): Promise<WarmupOutcome> {
  const { transport, signal } = io;
  const p = releasePaths(slug, number);
  const file = `${p.dir}/${WARMUP_FILE}`;
  const budgetMs = o.budgetMs ?? WARMUP_BUDGET_MS;
  const opts: WarmupOptions = {
    budgetMs,
    minFree: o.minFree ?? WARMUP_MIN_FREE,
    previousDir: previousDir(p.base, o.previous, number),
    walk: o.walk ?? false,
  };
  await transport.upload(WARMUP_PHP, file, { mode: 0o640, owner: p.user, group: p.group, timeoutMs: 30_000 });
  try {
    return await ask(transport, p.fpmSocket, p.dir, opts, signal);
  } finally {
    await transport.exec(asUser(p.user, cmd('rm', '-f', file)), { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

async function ask(transport: Transport, socket: string, dir: string, o: WarmupOptions, signal: AbortSignal): Promise<WarmupOutcome> {
  // The script stops itself at its budget; the FastCGI timeout only cuts a pool that hangs.
  const timeoutS = Math.ceil(o.budgetMs / 1000) + 5;
  const out = await transport.exec(warmupCommand(socket, dir, o, timeoutS), {
    okExitCodes: [0, TIMED_OUT_EXIT],
    timeoutMs: (timeoutS + 10) * 1000,
    signal,
  });
  if (out.code === TIMED_OUT_EXIT) return { result: null, detail: `no answer within ${timeoutS} s` };
  const result = parseWarmup(out.stdout);
  if (result) return { result, detail: '' };
  const said = (out.stderr.trim() || out.stdout.trim()).replace(/\s+/g, ' ').slice(-300);
  return { result: null, detail: `the pool gave no warm-up answer${said ? `: ${said}` : ''}` };
}

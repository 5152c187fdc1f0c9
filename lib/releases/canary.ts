import type { Db } from '@/db';
import { updateRun } from '@/db/queries/runs';
import type { App, Release } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { runAcross, type RunResult, type ServerRun } from '@/lib/jobs/runner';
import { releaseRecipe, type ReleaseContext } from '@/lib/recipes/release';
import { watchCanary } from './watch-canary';

type Failure = Extract<RunResult, { ok: false }>;
const AFTER_SWITCH = new Set(releaseRecipe.afterSwitch);
const TASKS = releaseRecipe.tasks.map((t) => t.name);
const SWITCH_AT = TASKS.indexOf('switch');

/**
 * Whether `current` may point at the new release on the server of this result: it ran `switch`
 * (or failed in it, or after it). A server stopped because another failed names the step it did
 * NOT start, so it switched only if that step comes after `switch`.
 */
export function passedSwitch(r: RunResult | undefined): boolean {
  if (!r) return false;
  if (r.ok) return true;
  if (r.stopped) return r.failedTask === 'finishing' || TASKS.indexOf(r.failedTask) > SWITCH_AT;
  // 'watch': the canary's watch window, after its switch.
  return AFTER_SWITCH.has(r.failedTask) || r.failedTask === 'cleanup' || r.failedTask === 'watch';
}

/** The failure that decides the outcome: a failed cleanup only when nothing else failed (the release is live then). */
export function decisiveFailure(results: RunResult[]): Failure | undefined {
  const failed = results.filter((r): r is Failure => !r.ok);
  const real = failed.filter((r) => r.failedTask !== 'cleanup' || r.stopped);
  return real.find((r) => !r.stopped) ?? real[0] ?? failed[0];
}

export type Staged = {
  /** One per part that ran, in the order of `ran`. */
  results: RunResult[];
  ran: ServerRun<ReleaseContext>[];
  /** Parts a failed canary kept out: their runs never started. */
  untouched: ServerRun<ReleaseContext>[];
  /** Whether the release really went in stages (a canary on one server is just a release). */
  staged: boolean;
};

/**
 * The canary stage: a web server (the data server when it serves web, so the migration runs
 * with the canary), plus the data or migration server when that one is not a web server, since
 * the pre-migration snapshot and the migration must run first. The other servers then serve the
 * old code against the migrated schema until they switch (the deploy form says so).
 */
function canaryStage(app: App, parts: ServerRun<ReleaseContext>[]): Set<number> {
  const migrationServer = app.config.release.hooks.find((h) => h.migration && h.serverId)?.serverId;
  const data =
    parts.findIndex((p) => p.ctx.database) >= 0
      ? parts.findIndex((p) => p.ctx.database)
      : parts.findIndex((p) => p.ctx.server.id === migrationServer);
  const web = (i: number) => i >= 0 && parts[i]!.ctx.roles.includes('web');
  const canary = web(data) ? data : parts.findIndex((p) => p.ctx.roles.includes('web'));
  return new Set([canary, data].filter((i) => i >= 0));
}

/** One server (the canary) through the whole recipe and its watch window, then the rest; a failure there leaves the rest untouched. */
export async function runInStages(
  db: Db,
  ring: KeyRing,
  app: App,
  release: Release,
  parts: ServerRun<ReleaseContext>[],
  signal: AbortSignal,
): Promise<Staged> {
  const stage = release.canary ? canaryStage(app, parts) : new Set<number>();
  if (stage.size === 0 || stage.size === parts.length)
    return { results: await runAcross(db, releaseRecipe, parts, signal), ran: parts, untouched: [], staged: false };
  const head = parts.filter((_, i) => stage.has(i));
  const rest = parts.filter((_, i) => !stage.has(i));
  const headResults = await runAcross(db, releaseRecipe, head, signal);
  const failure = decisiveFailure(headResults);
  const verdict =
    failure && failure.failedTask !== 'cleanup'
      ? null
      : await watchCanary(db, ring, app, release, head.find((p) => p.ctx.roles.includes('web'))!.ctx.server.id, signal);
  if ((failure && failure.failedTask !== 'cleanup') || verdict) {
    const why = signal.aborted ? 'Not started: the release was cancelled on the canary.' : 'Not started: the canary failed first.';
    // Their runs never started: they say why instead of sitting queued.
    for (const u of rest) await updateRun(db, u.runId, { status: 'failed', error: why, finishedAt: new Date() });
    const results = verdict
      ? headResults.map((r) => (r.ok ? ({ ok: false, failedTask: 'watch', error: verdict } as Failure) : r))
      : headResults;
    return { results, ran: head, untouched: rest, staged: true };
  }
  const restResults = await runAcross(db, releaseRecipe, rest, signal);
  return { results: [...headResults, ...restResults], ran: [...head, ...rest], untouched: [], staged: true };
}

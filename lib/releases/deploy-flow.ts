import fs from 'node:fs';
import type { Db } from '@/db';
import { createReleaseRun, finishRelease, successfulDeploys, updateRelease } from '@/db/queries/releases';
import { updateRun } from '@/db/queries/runs';
import type { App, Release, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { EnvToWrite } from '@/lib/recipes/env/env-file';
import type { AppRole } from '@/lib/recipes/configure';
import { releaseRecipe, rollbackRecipe, type ReleaseContext, type RollbackContext } from '@/lib/recipes/release';
import { releasePaths } from '@/lib/recipes/release/paths';
import { stopIdleSlots } from '@/lib/recipes/release/web-slot-ops';
import { runAcross, type RunResult, type ServerRun } from '@/lib/jobs/runner';
import { asUser, cmd, ignoreFailure, locked } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import type { fetchRelease } from './fetch';
import { envOf, envRevisionsBefore, settleReleaseEnv } from './release-env';
import { recordSnapshots, snapshotTarget } from './snapshots';
import { watchCanary } from './watch-canary';

export type Placed = { server: Server; roles: AppRole[]; transport: Transport };
type Failure = Extract<RunResult, { ok: false }>;

const AFTER_SWITCH = new Set(releaseRecipe.afterSwitch);

/** The server where it went wrong, not one that was merely stopped because of it. */
export function firstFailure(results: RunResult[]): Failure | undefined {
  const failed = results.filter((r): r is Failure => !r.ok);
  return failed.find((r) => !r.stopped) ?? failed[0];
}

export const base = (app: App, p: Placed) => ({
  app: app.config,
  server: { id: p.server.id, name: p.server.name, address: p.server.bindAddress ?? p.server.host, bindAddress: p.server.bindAddress },
  roles: p.roles,
});

export const withNotes = (text: string, notes: string[]) => [text, ...notes].join('\n').slice(0, 2000);

export async function rollbackAcross(
  db: Db,
  app: App,
  release: Release,
  placed: Placed[],
  target: number,
  signal: AbortSignal,
  env?: EnvToWrite,
) {
  const parts: ServerRun<RollbackContext>[] = [];
  for (const p of placed) {
    const run = await createReleaseRun(db, { serverId: p.server.id, appId: app.id, releaseId: release.id, recipe: 'rollback' });
    parts.push({ runId: run.id, transport: p.transport, ctx: { ...base(app, p), target, env: env && { ...env } } });
  }
  return { results: await runAcross(db, rollbackRecipe, parts, signal), parts };
}

/**
 * The canary: the server whose part takes the pre-migration snapshot (the migration must run
 * where its snapshot is), else the one a migration hook names, else the first web server. A
 * migration thus runs with the canary, and the other servers serve the old code against the
 * migrated schema until they switch (the deploy form says so before the operator chooses it).
 */
function canaryIndex(app: App, parts: ServerRun<ReleaseContext>[]): number {
  const data = parts.findIndex((p) => p.ctx.database);
  if (data >= 0) return data;
  const migrationServer = app.config.release.hooks.find((h) => h.migration && h.serverId)?.serverId;
  const named = parts.findIndex((p) => p.ctx.server.id === migrationServer);
  if (named >= 0) return named;
  return Math.max(
    0,
    parts.findIndex((p) => p.ctx.roles.includes('web')),
  );
}

/** One server through the whole recipe and its watch window, then the rest; a failure there leaves the rest untouched. */
async function runInStages(db: Db, ring: KeyRing, app: App, release: Release, parts: ServerRun<ReleaseContext>[], signal: AbortSignal) {
  if (!release.canary || parts.length < 2) return { results: await runAcross(db, releaseRecipe, parts, signal), switched: false };
  const first = canaryIndex(app, parts);
  const canary = parts[first]!;
  const rest = parts.filter((_, i) => i !== first);
  const head = await runAcross(db, releaseRecipe, [canary], signal);
  const headFailure = firstFailure(head);
  const canarySwitched = !headFailure || AFTER_SWITCH.has(headFailure.failedTask) || headFailure.failedTask === 'cleanup';
  if (headFailure && headFailure.failedTask !== 'cleanup') return { results: head, switched: canarySwitched, untouched: rest };
  const verdict = await watchCanary(db, ring, app, release, canary.ctx.server.id, signal);
  if (verdict) return { results: [{ ok: false, failedTask: 'watch', error: verdict } as Failure], switched: true, untouched: rest };
  return { results: [...head, ...(await runAcross(db, releaseRecipe, rest, signal))], switched: true };
}

/** A release stopped before any switch: its directory is removed again on every server (under the lock, as the app user). */
async function discard(app: App, placed: Placed[], number: number): Promise<void> {
  const p = releasePaths(app.slug, number);
  await Promise.all(
    placed.map((pl) =>
      pl.transport.exec(ignoreFailure(locked(p.lock, asUser(p.user, cmd('rm', '-rf', p.dir, p.archive))))).catch(() => {}),
    ),
  );
}

export type DeployEnd = { startWatch: boolean };

export async function deploy(
  db: Db,
  ring: KeyRing,
  app: App,
  release: Release,
  placed: Placed[],
  fetched: Awaited<ReturnType<typeof fetchRelease>>,
  signal: AbortSignal,
  cancelled: () => string | null,
): Promise<DeployEnd> {
  const env = await envOf(db, ring, app, release);
  await updateRelease(db, release.id, { sha: fetched.sha, subject: fetched.subject });
  try {
    const deploys = await successfulDeploys(db, app.id);
    const keep = app.config.release.keepReleases;
    const protect = deploys.filter((d, i) => d.pinned || i < keep - 1).map((d) => d.number!);
    const data = await snapshotTarget(db, app);
    const parts: ServerRun<ReleaseContext>[] = [];
    for (const p of placed) {
      const run = await createReleaseRun(db, { serverId: p.server.id, appId: app.id, releaseId: release.id, recipe: 'release' });
      const database = data?.serverId === p.server.id ? data.database : undefined;
      const ctx = { ...base(app, p), number: release.number!, sha: fetched.sha, archivePath: fetched.archivePath, protect, database };
      parts.push({ runId: run.id, transport: p.transport, ctx: { ...ctx, env: env && { ...env } } });
    }
    const envBefore = await envRevisionsBefore(db, app.id);
    const staged = await runInStages(db, ring, app, release, parts, signal);
    const results = staged.results;
    // The pre-migration snapshot (taken, maybe restored) and expired ones removed, whatever the outcome.
    await recordSnapshots(
      db,
      app.id,
      release.id,
      parts.map((p) => p.ctx),
    );
    const failure = firstFailure(results);
    const live = !failure || failure.failedTask === 'cleanup';
    // Otherwise the previous .env goes back before anything else, so old code runs with its old env.
    const envNotes = await settleReleaseEnv(db, app, parts, envBefore, live);
    // Their runs never started: they say why instead of sitting queued.
    for (const u of staged.untouched ?? [])
      await updateRun(db, u.runId, { status: 'failed', error: 'Not started: the canary failed first.', finishedAt: new Date() });
    const canaryNote = staged.untouched?.length
      ? `\nThe other servers (${staged.untouched.map((p) => p.ctx.server.name).join(', ')}) were not touched.`
      : '';
    if (!failure) {
      await finishRelease(db, release.id, { status: 'succeeded' });
      return { startWatch: !release.canary };
    }
    if (live) {
      await finishRelease(db, release.id, { status: 'succeeded', error: `Released; cleanup failed: ${failure.error}`.slice(0, 2000) });
      return { startWatch: !release.canary };
    }
    const by = cancelled();
    const previous = Number(parts.map((p) => p.ctx.previous?.match(/^releases\/(\d+)$/)?.[1]).find(Boolean) ?? NaN);
    if ((!staged.switched && !AFTER_SWITCH.has(failure.failedTask)) || !Number.isInteger(previous)) {
      // A process app's new process may run, unserved, where start-process passed before another server failed.
      await stopIdleSlots(app.config, placed);
      if (by) await discard(app, placed, release.number!);
      await finishRelease(db, release.id, {
        status: by ? 'cancelled' : 'failed',
        failedStep: failure.failedTask,
        error: withNotes(
          by ? `Cancelled by ${by} before the switch; the new release was removed.` : `${failure.error}${canaryNote}`,
          envNotes,
        ),
      });
      return { startWatch: false };
    }
    // The switch happened (somewhere): put every server back on the release that was current,
    // with a signal of its own: a job being stopped must not cancel its own compensation.
    // A canary's untouched servers still serve `previous`: only what switched goes back.
    const switchedOn = placed.filter((pl) => !staged.untouched?.some((u) => u.ctx.server.id === pl.server.id));
    const { results: back } = await rollbackAcross(db, app, release, switchedOn, previous, AbortSignal.timeout(10 * 60_000));
    const rolledBack = back.every((r) => r.ok);
    const outcome = rolledBack
      ? `Rolled back to releases/${previous} on ${staged.untouched?.length ? 'the canary' : 'every server'}.`
      : 'The automatic rollback failed too: check each server.';
    await finishRelease(db, release.id, {
      status: by && rolledBack ? 'cancelled' : rolledBack ? 'rolled_back' : 'failed',
      bad: !by,
      failedStep: failure.failedTask,
      error: withNotes(`${by ? `Cancelled by ${by} after the switch.` : failure.error.slice(0, 1500)}${canaryNote}\n${outcome}`, envNotes),
    });
    return { startWatch: false };
  } finally {
    fs.rmSync(fetched.archivePath, { force: true });
  }
}

import fs from 'node:fs';
import type { Db } from '@/db';
import { createReleaseRun, finishRelease, successfulDeploys, updateRelease } from '@/db/queries/releases';
import type { App, Release, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { EnvToWrite } from '@/lib/recipes/env/env-file';
import type { AppRole } from '@/lib/recipes/configure';
import { rollbackRecipe, type ReleaseContext, type RollbackContext } from '@/lib/recipes/release';
import { releasePaths } from '@/lib/recipes/release/paths';
import { stopIdleSlots } from '@/lib/recipes/release/web-slot-ops';
import { runAcross, type ServerRun } from '@/lib/jobs/runner';
import { asUser, cmd, ignoreFailure, locked } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import type { fetchRelease } from './fetch';
import { envOf, envRevisionsBefore, settleReleaseEnv } from './release-env';
import { recordSnapshots, snapshotTarget } from './snapshots';
import { decisiveFailure, passedSwitch, runInStages } from './canary';

export type Placed = { server: Server; roles: AppRole[]; transport: Transport };
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
    // The pre-migration snapshot (taken, maybe restored) and expired ones removed, whatever the outcome.
    await recordSnapshots(
      db,
      app.id,
      release.id,
      parts.map((p) => p.ctx),
    );
    const failure = decisiveFailure(staged.results);
    // Live and healthy everywhere (a failed cleanup is a note, not a failed release): the new .env stays.
    const live = !failure || (failure.failedTask === 'cleanup' && !failure.stopped && staged.untouched.length === 0);
    // Otherwise the previous .env goes back before anything else, so old code runs with its old env.
    const envNotes = await settleReleaseEnv(db, app, parts, envBefore, live);
    if (live) {
      const note = failure ? { error: `Released; cleanup failed: ${failure.error}`.slice(0, 2000) } : {};
      await finishRelease(db, release.id, { status: 'succeeded', ...note });
      return { startWatch: !staged.staged };
    }
    // Cancelled only when the failure is the cancel itself, not a real failure that met a late click.
    const by = cancelled() && /\bcancelled\b/.test(failure.error) ? cancelled() : null;
    const untouchedNote = staged.untouched.length
      ? `\nThe other servers (${staged.untouched.map((p) => p.ctx.server.name).join(', ')}) were not touched.`
      : '';
    const switchedIds = new Set(staged.ran.filter((_, i) => passedSwitch(staged.results[i])).map((p) => p.ctx.server.id));
    const switchedOn = placed.filter((pl) => switchedIds.has(pl.server.id));
    if (switchedOn.length === 0) {
      // A process app's new process may run, unserved, where start-process passed before another server failed.
      await stopIdleSlots(app.config, placed);
      if (by) await discard(app, placed, release.number!);
      await finishRelease(db, release.id, {
        status: by ? 'cancelled' : 'failed',
        failedStep: failure.failedTask,
        error: withNotes(
          by ? `Cancelled by ${by} before the switch; the new release was removed.` : `${failure.error}${untouchedNote}`,
          envNotes,
        ),
      });
      return { startWatch: false };
    }
    const previous = Number(parts.map((p) => p.ctx.previous?.match(/^releases\/(\d+)$/)?.[1]).find(Boolean) ?? NaN);
    const what = by ? `Cancelled by ${by} after the switch.` : failure.error.slice(0, 1500);
    if (!Number.isInteger(previous)) {
      // The app's first deploy: there is nothing to go back to, so it stays where it switched.
      await finishRelease(db, release.id, {
        status: 'failed',
        bad: true,
        failedStep: failure.failedTask,
        error: withNotes(
          `${what}${untouchedNote}\nNothing to roll back to (the app's first deploy): it stays current where it switched.`,
          envNotes,
        ),
      });
      return { startWatch: false };
    }
    // Only where it switched, with a signal of its own: a job being stopped must not cancel its own compensation.
    const { results: back } = await rollbackAcross(db, app, release, switchedOn, previous, AbortSignal.timeout(10 * 60_000));
    const rolledBack = back.every((r) => r.ok);
    const where = switchedOn.length === placed.length ? 'every server' : switchedOn.map((p) => p.server.name).join(', ');
    const outcome = rolledBack
      ? `Rolled back to releases/${previous} on ${where}.`
      : 'The automatic rollback failed too: check each server.';
    await finishRelease(db, release.id, {
      status: by && rolledBack ? 'cancelled' : rolledBack ? 'rolled_back' : 'failed',
      bad: !by,
      failedStep: failure.failedTask,
      error: withNotes(`${what}${untouchedNote}\n${outcome}`, envNotes),
    });
    return { startWatch: false };
  } finally {
    fs.rmSync(fetched.archivePath, { force: true });
  }
}

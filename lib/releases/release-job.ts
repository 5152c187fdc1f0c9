import fs from 'node:fs';
import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import {
  activeConfigureRuns,
  createReleaseRun,
  findRelease,
  finishRelease,
  liveDeploy,
  successfulDeploys,
  startQueuedRelease,
  updateRelease,
} from '@/db/queries/releases';
import type { App, Release, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { appEnvSecrets } from '@/lib/env/secrets';
import type { EnvToWrite } from '@/lib/recipes/env/env-file';
import type { AppRole } from '@/lib/recipes/configure';
import { releaseRecipe, rollbackRecipe, type ReleaseContext, type RollbackContext } from '@/lib/recipes/release';
import { stopIdleSlots } from '@/lib/recipes/release/web-slot-ops';
import { runAcross, type RunResult, type ServerRun } from '@/lib/jobs/runner';
import { announceReleaseEnd } from '@/lib/notify/events';
import { Redactor } from '@/lib/remote/redact';
import type { Transport } from '@/lib/remote/transport';
import { transportFor } from '@/lib/servers/remote';
import { fetchRelease } from './fetch';
import { envOf, envRevisionsBefore, settleReleaseEnv } from './release-env';
import { recordSnapshots, snapshotTarget } from './snapshots';

/** Steps after which `current` may already point at the new release somewhere: a failure there rolls back. */
const AFTER_SWITCH = new Set(['switch', 'restart-workers', 'health-check']);

/** The server where it went wrong, not one that was merely stopped because of it. */
function firstFailure(results: RunResult[]): Extract<RunResult, { ok: false }> | undefined {
  const failed = results.filter((r): r is Extract<RunResult, { ok: false }> => !r.ok);
  return failed.find((r) => !r.stopped) ?? failed[0];
}

type Placed = { server: Server; roles: AppRole[]; transport: Transport };
const base = (app: App, p: Placed) => ({
  app: app.config,
  server: { id: p.server.id, name: p.server.name, address: p.server.bindAddress ?? p.server.host, bindAddress: p.server.bindAddress },
  roles: p.roles,
});

/**
 * Every server of the app, connected before anything changes anywhere (one unreachable server
 * stops the release). Each transport hides `secrets` (the app's env values) from its logs and errors.
 */
async function connectAll(db: Db, ring: KeyRing, appId: string, secrets: string[]): Promise<Placed[]> {
  const placements = await placementsOfApp(db, appId);
  return Promise.all(
    placements.map(async ({ server, roles }) => {
      const transport = await transportFor(server, ring, { secrets }).catch((err: Error) => {
        throw new Error(`${server.name}: ${err.message}`);
      });
      return { server, roles: roles.filter((r): r is AppRole => r === 'web' || r === 'worker'), transport };
    }),
  );
}

async function rollbackAcross(db: Db, app: App, release: Release, placed: Placed[], target: number, signal: AbortSignal, env?: EnvToWrite) {
  const parts: ServerRun<RollbackContext>[] = [];
  for (const p of placed) {
    const run = await createReleaseRun(db, { serverId: p.server.id, appId: app.id, releaseId: release.id, recipe: 'rollback' });
    parts.push({ runId: run.id, transport: p.transport, ctx: { ...base(app, p), target, env: env && { ...env } } });
  }
  return { results: await runAcross(db, rollbackRecipe, parts, signal), parts };
}

const withNotes = (text: string, notes: string[]) => [text, ...notes].join('\n').slice(0, 2000);

async function deploy(db: Db, ring: KeyRing, app: App, release: Release, placed: Placed[], dataDir: string, signal: AbortSignal) {
  if (!app.config.repository) throw Object.assign(new Error('The app has no repository: set one in its settings.'), { step: 'fetch' });
  const env = await envOf(db, ring, app, release);
  const fetched = await fetchRelease(dataDir, app.id, app.config.repository, release.ref, release.id).catch((err: Error) => {
    throw Object.assign(err, { step: 'fetch' });
  });
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
      parts.push({
        runId: run.id,
        transport: p.transport,
        ctx: {
          ...base(app, p),
          number: release.number!,
          sha: fetched.sha,
          archivePath: fetched.archivePath,
          protect,
          database,
          env: env && { ...env },
        },
      });
    }
    const envBefore = await envRevisionsBefore(db, app.id);
    const results = await runAcross(db, releaseRecipe, parts, signal);
    // The pre-migration snapshot (taken, maybe restored) and expired ones removed, whatever the outcome.
    await recordSnapshots(
      db,
      app.id,
      release.id,
      parts.map((p) => p.ctx),
    );
    const failure = firstFailure(results);
    // Live and healthy everywhere (a failed cleanup is a note, not a failed release): the new .env stays.
    const live = !failure || failure.failedTask === 'cleanup';
    // Otherwise the previous .env goes back before anything else, so old code runs with its old env.
    const envNotes = await settleReleaseEnv(db, app, parts, envBefore, live);
    if (!failure) return finishRelease(db, release.id, { status: 'succeeded' });
    if (live)
      return finishRelease(db, release.id, { status: 'succeeded', error: `Released; cleanup failed: ${failure.error}`.slice(0, 2000) });
    const previous = Number(parts.map((p) => p.ctx.previous?.match(/^releases\/(\d+)$/)?.[1]).find(Boolean) ?? NaN);
    if (!AFTER_SWITCH.has(failure.failedTask) || !Number.isInteger(previous)) {
      // A process app's new process may run, unserved, where start-process passed before another server failed.
      await stopIdleSlots(app.config, placed);
      return finishRelease(db, release.id, { status: 'failed', failedStep: failure.failedTask, error: withNotes(failure.error, envNotes) });
    }
    // The switch happened (somewhere): put every server back on the release that was current,
    // with a signal of its own: a job being stopped must not cancel its own compensation.
    const { results: back } = await rollbackAcross(db, app, release, placed, previous, AbortSignal.timeout(10 * 60_000));
    const rolledBack = back.every((r) => r.ok);
    await finishRelease(db, release.id, {
      status: rolledBack ? 'rolled_back' : 'failed',
      bad: true,
      failedStep: failure.failedTask,
      error: withNotes(
        `${failure.error.slice(0, 1500)}\n${rolledBack ? `Rolled back to releases/${previous} on every server.` : 'The automatic rollback failed too: check each server.'}`,
        envNotes,
      ),
    });
  } finally {
    fs.rmSync(fetched.archivePath, { force: true });
  }
}

async function rollback(db: Db, ring: KeyRing, app: App, release: Release, placed: Placed[], signal: AbortSignal) {
  const target = release.targetId ? await findRelease(db, release.targetId) : undefined;
  if (!target?.number || target.status !== 'succeeded')
    throw Object.assign(new Error('The release to roll back to is not a kept, successful deploy.'), { step: 'switch' });
  const current = await liveDeploy(db, app.id);
  const env = release.restoresEnv ? await envOf(db, ring, app, release) : undefined;
  const envBefore = await envRevisionsBefore(db, app.id);
  const { results, parts } = await rollbackAcross(db, app, release, placed, target.number, signal, env);
  const failure = firstFailure(results);
  const envNotes = await settleReleaseEnv(db, app, parts, envBefore, !failure);
  if (failure) {
    await stopIdleSlots(app.config, placed);
    return finishRelease(db, release.id, { status: 'failed', failedStep: failure.failedTask, error: withNotes(failure.error, envNotes) });
  }
  await finishRelease(db, release.id, { status: 'succeeded', sha: target.sha, subject: target.subject });
  // The release rolled back from (the one that was live) is bad: "roll back to previous" skips it.
  if (current && current.id !== target.id) await updateRelease(db, current.id, { bad: true });
}

/** The job side of Deploy and Rollback: connect every server, then the recipe step by step across them. */
export async function runRelease(db: Db, ring: KeyRing, releaseId: string, signal: AbortSignal, dataDir: string): Promise<void> {
  const release = await findRelease(db, releaseId);
  const app = release && (await findApp(db, release.appId));
  if (!release || !app || release.status !== 'queued') return;
  // Claimed only if still queued: a cancel that landed since the read wins, and nothing runs.
  if (!(await startQueuedRelease(db, release.id))) return;
  const hidden = new Redactor();
  try {
    const busy = await activeConfigureRuns(db, app.id);
    if (busy.length) throw Object.assign(new Error('The app is being configured; deploy again when that run ends.'), { step: 'connect' });
    // Opened once for the job: the saved values, what each server has, and the revision this release writes.
    const secrets = await appEnvSecrets(db, ring, app, [release.envRevision]).catch((err: Error) => {
      throw Object.assign(new Error(`Could not open the app's environment (needed to keep it out of the logs): ${err.message}`), {
        step: 'connect',
      });
    });
    hidden.add(...secrets);
    const placed = await connectAll(db, ring, app.id, secrets).catch((err: Error) => {
      throw Object.assign(err, { step: 'connect' });
    });
    if (placed.length === 0) throw Object.assign(new Error('The app has no servers.'), { step: 'connect' });
    if (release.kind === 'deploy') await deploy(db, ring, app, release, placed, dataDir, signal);
    else await rollback(db, ring, app, release, placed, signal);
  } catch (err) {
    const e = err as Error & { step?: string };
    await finishRelease(db, release.id, {
      status: 'failed',
      failedStep: e.step ?? 'release',
      error: hidden.redact(e.message).slice(0, 2000),
    });
  }
  // Every path above ends in finishRelease; a failed or auto-rolled-back outcome is an alert.
  await announceReleaseEnd(db, release.id);
}

import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { envPushStates, latestEnvRevisionNumber } from '@/db/queries/env-revisions';
import { activeRelease } from '@/db/queries/releases';
import { createRun, latestEnvPushRuns, updateRun, type EnvPushRun } from '@/db/queries/runs';
import type { RunStatus } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { appKey } from '@/lib/releases/requests';
import { enqueue } from '@/lib/runtime';
import { isUniqueViolation, type Enqueue } from '@/lib/servers/requests';

export const ENV_PUSH_RECIPE = 'env-push';

export type EnvPushRequest = { revision: number; runs: { serverId: string; runId: string }[]; busy: string[] };

/**
 * "Push to servers": the app's newest revision goes to shared/.env on every server of the app,
 * or with `onlyPending` only where it is not yet (behind, or the last push failed). One run per
 * server, so each succeeds or fails on its own; a server busy with other work (its one active
 * run, recipe_runs_one_active_idx) is reported back, and the others still go. One job runs them
 * all, queued on the app's key: never beside a release of the app.
 */
export async function requestEnvPush(
  db: Db,
  appId: string,
  requestedBy: number,
  opts: { onlyPending: boolean; enqueue?: Enqueue },
): Promise<EnvPushRequest> {
  const app = await findApp(db, appId);
  if (!app) throw new ActionError('That app does not exist.');
  const revision = await latestEnvRevisionNumber(db, appId);
  if (revision === 0) throw new ActionError('Nothing saved yet: save the environment before pushing it.');
  const release = await activeRelease(db, appId);
  if (release)
    throw new ActionError(
      `A release of this app is ${release.status}: push once it has finished (a deploy writes the saved environment itself).`,
    );
  const states = await envPushStates(db, appId);
  if (states.length === 0) throw new ActionError('The app has no servers.');
  const targets = opts.onlyPending ? states.filter((s) => s.envRevision !== revision || s.envPushError !== null) : states;
  if (targets.length === 0) throw new ActionError(`Every server already has revision ${revision}.`);

  const runs: EnvPushRequest['runs'] = [];
  const busy: string[] = [];
  for (const target of targets) {
    try {
      const run = await createRun(db, { serverId: target.serverId, appId, recipe: ENV_PUSH_RECIPE, requestedBy });
      runs.push({ serverId: target.serverId, runId: run.id });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      busy.push(target.serverName);
    }
  }
  if (runs.length === 0) return { revision, runs, busy };
  try {
    await (opts.enqueue ?? enqueue)({ kind: 'env-push', appId, revision, runIds: runs.map((r) => r.runId) }, appKey(appId));
  } catch (err) {
    for (const r of runs) await updateRun(db, r.runId, { status: 'failed', error: 'Could not queue the push.', finishedAt: new Date() });
    throw err;
  }
  return { revision, runs, busy };
}

export type EnvPushServer = {
  serverId: string;
  serverName: string;
  /** The revision in its shared/.env (null: never written by Berth). */
  envRevision: number | null;
  pushedAt: Date | null;
  /** Why the last push failed; cleared by one that succeeds. */
  error: string | null;
  /** The newest env-push run there (null: none yet). */
  run: Pick<EnvPushRun, 'runId' | 'status' | 'createdAt' | 'finishedAt'> | null;
  /** A push there is queued or running. */
  running: boolean;
};

export type EnvPushSummary = { latest: number; servers: EnvPushServer[]; pending: boolean };

const ACTIVE: RunStatus[] = ['queued', 'running'];

/** For the env page: the newest revision, which revision each server has, and whether some server is behind. */
export async function envPushSummary(db: Db, appId: string): Promise<EnvPushSummary> {
  const [latest, states, runs] = await Promise.all([
    latestEnvRevisionNumber(db, appId),
    envPushStates(db, appId),
    latestEnvPushRuns(db, appId),
  ]);
  const runOf = new Map(runs.map((r) => [r.serverId, r]));
  const servers = states.map((s): EnvPushServer => {
    const run = runOf.get(s.serverId);
    return {
      serverId: s.serverId,
      serverName: s.serverName,
      envRevision: s.envRevision,
      pushedAt: s.envPushedAt,
      error: s.envPushError,
      run: run ? { runId: run.runId, status: run.status, createdAt: run.createdAt, finishedAt: run.finishedAt } : null,
      running: !!run && ACTIVE.includes(run.status),
    };
  });
  return { latest, servers, pending: latest > 0 && servers.some((s) => s.envRevision !== latest) };
}

import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { succeededReleases } from '@/db/queries/releases';
import type { Release } from '@/db/schema';
import type { ErrorCode } from '@/lib/auth/action-core';
import { utcMinute } from '@/lib/model/time-text';

/*
 * The one rule for what a rollback may go back to. The app page's releases list, the dashboard's
 * current-release card, the HTTP API, requestRollback and rollbackTarget all read it, so none of
 * them can offer what another refuses.
 *
 * - A target is a successful deploy whose directory is still on the servers: one of the newest
 *   `keepReleases` successful deploys, or a pinned one. That is what release-job.ts hands
 *   cleanup as `protect` (plus the new release, which makes it the newest N).
 * - The live deploy is not a target: there is nothing to switch.
 * - A deploy marked bad (it was live when someone rolled back from it) stays a target, labelled
 *   with the reason. Operators used to Envoyer or Forge expect to reach any kept build, and in an
 *   emergency the "bad" one may be the least bad; hiding it would leave only "deploy its commit
 *   again" (minutes of build). "Roll back to previous" never picks it: that one is a choice.
 * - Rollback releases are never targets: they own no directory, they point at a deploy's.
 */

/** Why a deploy is marked bad, for labels, warnings and the API alike. */
export type BadMark = {
  /** The rollback that moved away from it, when the history shows one. */
  rolledBackBy: Release | null;
  /** One line: "rolled back from on 2026-12-07 13:45 UTC (back to #2)". */
  reason: string;
};

export type RollbackTarget = {
  release: Release;
  /** Marked bad: still offered, with this warning. */
  bad: BadMark | null;
  /** Older than the live deploy: a roll back. A newer one is a roll forward (usually a bad one). */
  older: boolean;
};

export type RollbackChoice = {
  /** The deploy whose directory is live (the same as db/queries/releases.ts liveDeploy). */
  live: Release | null;
  /** The release that made it live: the deploy itself, or the rollback back to it. */
  via: Release | null;
  /** The live deploy is marked bad: someone rolled back to it on purpose. */
  liveBad: BadMark | null;
  /** Newest first. */
  targets: RollbackTarget[];
  /** "Roll back" with no number: the newest target older than the live one that is not bad. */
  previous: RollbackTarget | null;
  /** Every successful deploy, newest first (targets, the live one, and the cleaned-up ones). */
  deploys: Release[];
  /** Successful deploys whose directories cleanup removed (beyond the kept ones, not pinned). */
  cleanedUp: Set<string>;
  /** Every successful deploy marked bad, by id. */
  bad: Map<string, BadMark>;
};

const none = (): RollbackChoice => ({
  live: null,
  via: null,
  liveBad: null,
  targets: [],
  previous: null,
  deploys: [],
  cleanedUp: new Set(),
  bad: new Map(),
});

/**
 * The pure rule. `succeeded`: every succeeded release of the app, newest finished first (the
 * order liveDeploy reads); `keep`: the app's keepReleases.
 */
export function decideRollbackTargets(succeeded: Release[], keep: number): RollbackChoice {
  const deploys = succeeded.filter((r) => r.kind === 'deploy' && r.number !== null).sort((a, b) => b.number! - a.number!);
  if (succeeded.length === 0) return none();
  const byId = new Map(deploys.map((d) => [d.id, d]));
  // Replayed oldest first: what was live before each rollback is what that rollback moved away
  // from, which is the deploy release-job.ts marked bad. The last step is what is live now.
  const awayFrom = new Map<string, Release>();
  let live: Release | null = null;
  for (const r of [...succeeded].reverse()) {
    const to = r.kind === 'deploy' ? r : (byId.get(r.targetId ?? '') ?? null);
    if (r.kind === 'rollback' && live && to?.id !== live.id) awayFrom.set(live.id, r);
    live = to;
  }
  const bad = new Map<string, BadMark>();
  for (const d of deploys) if (d.bad) bad.set(d.id, badMark(awayFrom.get(d.id) ?? null, byId));
  const kept = deploys.filter((d, i) => i < keep || d.pinned);
  const targets = kept
    .filter((d) => d.id !== live?.id)
    .map((d) => ({ release: d, bad: bad.get(d.id) ?? null, older: !!live && d.number! < live.number! }));
  return {
    live,
    via: succeeded[0]!,
    liveBad: (live && bad.get(live.id)) ?? null,
    targets,
    previous: targets.find((t) => t.older && !t.bad) ?? null,
    deploys,
    cleanedUp: new Set(deploys.filter((d) => !kept.includes(d)).map((d) => d.id)),
    bad,
  };
}

function badMark(rollback: Release | null, byId: Map<string, Release>): BadMark {
  if (!rollback) return { rolledBackBy: null, reason: 'rolled back from' };
  const to = rollback.targetId ? byId.get(rollback.targetId)?.number : undefined;
  const when = rollback.finishedAt ? ` on ${utcMinute(rollback.finishedAt)} UTC` : '';
  return { rolledBackBy: rollback, reason: `rolled back from${when}${to ? ` (back to #${to})` : ''}` };
}

/** The rule over the app's releases as stored now. */
export async function rollbackTargets(db: Db, appId: string): Promise<RollbackChoice> {
  const app = await findApp(db, appId);
  if (!app) return none();
  return decideRollbackTargets(await succeededReleases(db, appId), app.config.release.keepReleases);
}

/** Why something asked for is not a target, as the user reads it (and the API's error code). */
export type Refusal = { refused: string; code: ErrorCode };

/**
 * The target a button names (`id`) or the API's `to` (a deploy number), or why it is not one.
 * `{}` is "roll back to previous".
 */
export function pickTarget(choice: RollbackChoice, by: { id?: string; number?: number }): RollbackTarget | Refusal {
  if (by.id === undefined && by.number === undefined) {
    if (choice.previous) return choice.previous;
    const others = choice.targets.map(targetText).join(', ');
    return {
      refused: others
        ? `There is no earlier deploy to roll back to that is not marked bad. Kept on the servers: ${others}; name one to roll back to it.`
        : 'There is no earlier successful deploy to roll back to.',
      code: 'rejected',
    };
  }
  const deploy = choice.deploys.find((d) => (by.id !== undefined ? d.id === by.id : d.number === by.number));
  if (!deploy)
    return by.id !== undefined
      ? { refused: 'Only a successful deploy of this app can be rolled back to.', code: 'rejected' }
      : { refused: `Deploy #${by.number} of this app did not succeed or does not exist.`, code: 'not_found' };
  if (deploy.id === choice.live?.id) return { refused: `releases/${deploy.number} is already live.`, code: 'conflict' };
  const target = choice.targets.find((t) => t.release.id === deploy.id);
  if (!target) return { refused: `releases/${deploy.number} was cleaned up on the servers; deploy its commit instead.`, code: 'rejected' };
  return target;
}

export const isRefusal = (x: RollbackTarget | Refusal): x is Refusal => 'refused' in x;

/** "#3 (bad: rolled back from on …)" or "#2". */
export const targetText = (t: RollbackTarget) => `#${t.release.number}${t.bad ? ` (bad: ${t.bad.reason})` : ''}`;

/** What a rollback to a bad target says before and after it is queued. */
export const badWarning = (t: RollbackTarget) =>
  t.bad ? `releases/${t.release.number} is marked bad: ${t.bad.reason}. Rolling back to it anyway.` : null;

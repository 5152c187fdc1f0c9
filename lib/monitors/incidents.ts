/**
 * Up and down. A monitor is down after `retries` failed checks in a row beyond the first, and
 * up again at the first success. Each transition is a conditional update (db/queries/monitors),
 * so only one caller opens or closes the incident and queues the notification, however many
 * checks or pings race; the notification is queued after the transaction, because notify()
 * uses its own connection and never fails the caller.
 */
import type { Db } from '@/db';
import { appendToOpenIncident, closeOpenIncidents, openIncident } from '@/db/queries/incidents';
import { markDown, markHeartbeatDown, markUpFromDown } from '@/db/queries/monitors';
import type { Monitor, MonitorState } from '@/db/schema';
import { notify } from '@/lib/notify/emit';

export type TransitionDeps = { db: Db; publicUrl: string };
type Subject = Pick<Monitor, 'id' | 'name' | 'appId' | 'serverId'>;

const linkOf = (deps: TransitionDeps, id: string) => `${deps.publicUrl}/monitors/${id}`;

async function afterDown(deps: TransitionDeps, m: Subject, at: Date, cause: string): Promise<void> {
  const queued = await notify(deps.db, {
    type: 'monitor.down',
    monitorId: m.id,
    appId: m.appId ?? undefined,
    serverId: m.serverId ?? undefined,
    title: `${m.name} is down`,
    text: cause,
    url: linkOf(deps, m.id),
    at,
  });
  if (queued > 0)
    await appendToOpenIncident(deps.db, m.id, {
      at: at.toISOString(),
      event: 'notified',
      detail: `queued to ${queued} channel${queued === 1 ? '' : 's'}`,
    });
}

type MarkDown = typeof markDown;

/** Runs `mark` (a conditional update) and opens the incident with it; false when another caller already did. */
async function downWith(mark: MarkDown, deps: TransitionDeps, m: Subject, at: Date, cause: string): Promise<boolean> {
  const changed = await deps.db.transaction(async (tx) => {
    const row = await mark(tx as unknown as Db, m.id, at, cause);
    if (row) await openIncident(tx as unknown as Db, m.id, at, cause);
    return Boolean(row);
  });
  if (changed) await afterDown(deps, m, at, cause);
  return changed;
}

/** Marks the monitor down and opens its incident; false when another caller already did. */
export const goDown = (deps: TransitionDeps, m: Subject, at: Date, cause: string) => downWith(markDown, deps, m, at, cause);

/** The heartbeat variant: the overdue condition is re-checked inside the update, so a ping that just landed wins. */
export const heartbeatDown = (deps: TransitionDeps, m: Subject, at: Date, cause: string) => downWith(markHeartbeatDown, deps, m, at, cause);

/** Marks a down monitor up and closes its incident; false when it was not down. */
export async function goUp(deps: TransitionDeps, m: Subject, at: Date, detail = 'check succeeded'): Promise<boolean> {
  const closed = await deps.db.transaction(async (tx) => {
    const row = await markUpFromDown(tx as unknown as Db, m.id, at);
    if (!row) return null;
    return closeOpenIncidents(tx as unknown as Db, m.id, at, detail);
  });
  if (!closed) return false;
  const since = closed[0]?.startedAt;
  const minutes = since ? Math.max(1, Math.round((at.getTime() - since.getTime()) / 60_000)) : null;
  await notify(deps.db, {
    type: 'monitor.up',
    monitorId: m.id,
    appId: m.appId ?? undefined,
    serverId: m.serverId ?? undefined,
    title: `${m.name} is up again`,
    text: minutes === null ? detail : `${detail}; it was down for about ${minutes} min`,
    url: linkOf(deps, m.id),
    at,
  });
  return true;
}

/** What the scheduler remembers per monitor between checks (not stored: a restart starts the count again). */
export type Streak = {
  failures: number;
  state: MonitorState;
  /** When `state` last changed (epoch ms): a reload snapshot older than this does not overwrite it. */
  changedAt: number;
  lastError: string | null;
};

export type Outcome = { ok: boolean; error: string | null };

/**
 * Folds one HTTP check into the streak and performs the transition it implies. The `state`
 * is the scheduler's belief; the conditional updates make the database the judge.
 */
export async function applyOutcome(
  deps: TransitionDeps,
  m: Subject & Pick<Monitor, 'retries'>,
  streak: Streak,
  outcome: Outcome,
  at: Date,
): Promise<void> {
  if (outcome.ok) {
    streak.failures = 0;
    streak.lastError = null;
    if (streak.state === 'down') await goUp(deps, m, at);
    if (streak.state !== 'up') streak.changedAt = at.getTime();
    streak.state = 'up';
    return;
  }
  streak.failures++;
  const error = outcome.error ?? 'check failed';
  if (streak.state === 'down') {
    // Still down: the timeline records a change of cause, not every repeat of it.
    if (error !== streak.lastError) await appendToOpenIncident(deps.db, m.id, { at: at.toISOString(), event: 'error', detail: error });
  } else if (streak.failures > m.retries) {
    await goDown(deps, m, at, error);
    streak.state = 'down';
    streak.changedAt = at.getTime();
  }
  streak.lastError = error;
}

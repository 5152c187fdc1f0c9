/**
 * What the monitor actions do, apart from the request: create (a heartbeat gets its token
 * here), edit, pause and delete. Berth's own per-app checks keep their target: only timing
 * and pausing are the operator's, and they are deleted by the sync, not by hand.
 */
import type { Db } from '@/db';
import { closeOpenIncidents } from '@/db/queries/incidents';
import { deleteMonitor, findMonitor, insertMonitor, setPaused, updateMonitor } from '@/db/queries/monitors';
import type { Monitor } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { newHeartbeatToken, tokenColumns } from './heartbeat';
import type { AutoMonitorEdit, MonitorInput } from './input';

function fieldsOf(input: MonitorInput) {
  const http = input.kind === 'http';
  return {
    name: input.name,
    url: input.url,
    method: http ? input.method : 'GET',
    intervalS: input.intervalS,
    timeoutMs: input.timeoutMs,
    expectedStatus: http ? input.expectedStatus : '200-299',
    // null, not undefined: an update must clear a keyword that was removed (undefined leaves the column as it was).
    keyword: input.keyword ?? null,
    retries: http ? input.retries : 0,
    graceS: http ? 0 : input.graceS,
  };
}

export async function createMonitor(db: Db, ring: KeyRing, input: MonitorInput): Promise<Monitor> {
  // The id is made here: the sealed token's associated data names the row.
  const id = crypto.randomUUID();
  const token = input.kind === 'heartbeat' ? tokenColumns(ring, id, newHeartbeatToken()) : {};
  return insertMonitor(db, {
    id,
    kind: input.kind,
    ...fieldsOf(input),
    ...token,
    paused: input.paused,
    state: input.paused ? 'paused' : 'pending',
  });
}

async function existing(db: Db, id: string): Promise<Monitor> {
  const m = await findMonitor(db, id);
  if (!m) throw new ActionError('That monitor no longer exists.');
  return m;
}

/** The kind cannot change (a heartbeat's token would mean nothing to an HTTP check). */
export async function editMonitor(db: Db, id: string, input: MonitorInput): Promise<Monitor> {
  const m = await existing(db, id);
  if (m.autoKey)
    throw new ActionError('Berth manages this check from the app’s domains; only its interval, timeout, retries and pause can change.');
  if (m.kind !== input.kind)
    throw new ActionError('A monitor’s kind cannot change; create a new one.', { kind: ['The kind cannot change'] });
  await updateMonitor(db, id, fieldsOf(input));
  if (input.paused !== m.paused) await pauseMonitor(db, id, input.paused);
  return m;
}

export async function editAutoMonitor(db: Db, id: string, input: AutoMonitorEdit): Promise<Monitor> {
  const m = await existing(db, id);
  await updateMonitor(db, id, { intervalS: input.intervalS, timeoutMs: input.timeoutMs, retries: input.retries });
  if (input.paused !== m.paused) await pauseMonitor(db, id, input.paused);
  return m;
}

/** Pausing closes an open incident (nobody is watching any more); resuming starts from pending. */
export async function pauseMonitor(db: Db, id: string, paused: boolean): Promise<void> {
  await existing(db, id);
  await setPaused(db, id, paused);
  if (paused) await closeOpenIncidents(db, id, new Date(), 'monitor paused');
}

export async function removeMonitor(db: Db, id: string): Promise<Monitor> {
  const m = await existing(db, id);
  if (m.autoKey) throw new ActionError('Berth keeps this check in step with the app’s domains and servers; pause it instead.');
  await deleteMonitor(db, id);
  return m;
}

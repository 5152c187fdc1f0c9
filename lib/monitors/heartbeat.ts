/**
 * Heartbeat (push) monitors: a cron job or backup calls a secret URL; no call within the
 * period plus grace means down. The token is the only credential, so it is 32 random bytes,
 * looked up by its sha256 (the stored hash is useless to a reader of the database) and also
 * sealed with the row's identity so the panel can show the URL again.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import { writeCheckBatch } from '@/db/queries/check-results';
import { claimMissedHeartbeats, findMonitorByTokenHash, markUpFromPending, overdueHeartbeats, recordPing } from '@/db/queries/monitors';
import type { Monitor } from '@/db/schema';
import { open, seal, type KeyRing } from '@/lib/crypto';
import { goUp, heartbeatDown, type TransitionDeps } from './incidents';
import { aggregateRollups, lastStates } from './result-writer';
import { heartbeatTokenAad } from '@/db/sealed-aad';

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newHeartbeatToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The columns a heartbeat monitor stores for its token. */
export function tokenColumns(ring: KeyRing, monitorId: string, token: string): { tokenHash: string; tokenSealed: string } {
  return { tokenHash: tokenHashOf(token), tokenSealed: seal(ring, token, heartbeatTokenAad(monitorId)) };
}

export function heartbeatUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/api/heartbeat/${token}`;
}

/** The monitor's ping URL, or null when it has no token (an HTTP monitor) or it cannot be opened. */
export function revealHeartbeatUrl(ring: KeyRing, publicUrl: string, m: Pick<Monitor, 'id' | 'tokenSealed'>): string | null {
  if (!m.tokenSealed) return null;
  try {
    return heartbeatUrl(publicUrl, open(ring, m.tokenSealed, heartbeatTokenAad(m.id)));
  } catch {
    return null;
  }
}

/**
 * A ping: records it as an ok result (written at once: pings are rare), and brings a down or
 * pending monitor up. Returns 'unknown' for an unknown token. A paused monitor's pings are
 * ignored, and so is a ping within a second of the last recorded one (answered 'ok', nothing
 * written): a leaked token cannot add a row per request.
 */
export async function receivePing(deps: TransitionDeps, token: string, at = new Date()): Promise<'ok' | 'unknown' | 'paused'> {
  if (!TOKEN_PATTERN.test(token)) return 'unknown';
  const m = await findMonitorByTokenHash(deps.db, tokenHashOf(token));
  if (m?.kind !== 'heartbeat') return 'unknown';
  if (m.paused) return 'paused';
  if (!(await recordPing(deps.db, m.id, at))) return 'ok';
  const result = { monitorId: m.id, at, ok: true, latencyMs: null, status: null, error: null };
  await writeCheckBatch(deps.db, [result], aggregateRollups([result]), lastStates([result]));
  if (!(await goUp(deps, m, at, 'ping received'))) await markUpFromPending(deps.db, m.id, at);
  return 'ok';
}

/** Marks overdue heartbeats down (one query to find them, a conditional update each). */
export async function checkOverdueHeartbeats(deps: TransitionDeps, now = new Date()): Promise<number> {
  let down = 0;
  for (const m of await overdueHeartbeats(deps.db, now)) {
    const periodS = m.intervalS + m.graceS;
    const cause = m.lastPingAt
      ? `no ping within ${periodS} s (last ping ${m.lastPingAt.toISOString()})`
      : `no ping within ${periodS} s of creation`;
    if (!(await heartbeatDown(deps, m, now, cause))) continue;
    down++;
    const result = { monitorId: m.id, at: now, ok: false, latencyMs: null, status: null, error: cause };
    await writeCheckBatch(deps.db, [result], aggregateRollups([result]), []);
  }
  return down;
}

/**
 * Uptime of a down heartbeat. Without this, an outage counts as one failed result however long
 * it lasts, and a 6 h outage of a 1-minute heartbeat would still read ~99.9 %. The honest unit
 * is the expected ping: while down, each interval that passes without one records one failed
 * result (the first is the down transition's own), so uptime = pings received / pings expected.
 * Time while Berth itself was not running is not counted: nobody was watching, and the sweep
 * after a restart records one miss, not a back-fill.
 */
export async function recordMissedHeartbeats(db: Db, now = new Date()): Promise<number> {
  // The claim and the rows commit together: a failed write leaves the miss to the next sweep.
  return db.transaction(async (tx) => {
    const missed = await claimMissedHeartbeats(tx as unknown as Db, now);
    if (missed.length === 0) return 0;
    const results = missed.map((m) => ({
      monitorId: m.id,
      at: now,
      ok: false,
      latencyMs: null,
      status: null,
      error: m.lastPingAt ? `no ping since ${m.lastPingAt.toISOString()}` : 'no ping yet',
    }));
    await writeCheckBatch(tx as unknown as Db, results, aggregateRollups(results), []);
    return missed.length;
  });
}

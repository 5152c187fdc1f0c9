import type { Db } from '@/db';
import { fpmTargets, insertFpmSamples, lastFpmReadings, upsertFpmRollups, type FpmPool, type FpmTarget } from '@/db/queries/fpm';
import type { NewFpmSample, Server } from '@/db/schema';
import { appLayout } from '@/lib/plan/app-layout';
import type { KeyRing } from '@/lib/crypto';
import { notify } from '@/lib/notify/emit';
import { sections } from '@/lib/recipes/sections';
import type { Transport } from '@/lib/remote/transport';
import { transportFor } from '@/lib/servers/remote';
import { bucketOf, counterIncrease, FPM_RESOLUTIONS, type CounterIncrease } from './increase';
import { parseFpmStatus, STATUS_TIMEOUT_S, statusScript, type FpmStatus } from './status';

export type FpmReading = { pool: FpmPool; server: Server; at: Date; status: FpmStatus };

export type PollDeps = {
  publicUrl: string;
  /** How a server is reached; the server's shared connection by default (tests may wrap it). */
  transport?: (server: Server) => Promise<Transport>;
  /** Called once per server that could not be polled (the poller logs it once per outage). */
  onServerError?: (server: Server, err: unknown) => void;
  /** Called for each server that answered (the poller clears its outage). */
  onServerOk?: (server: Server) => void;
};

export type PollOutcome = { readings: FpmReading[]; failedServers: string[] };

/**
 * The whole script's bound: every pool may use its own timeout, plus the round trip. A server
 * slower than that is skipped for this poll; the others are not held up (Promise.all over servers).
 */
export function scriptTimeoutMs(pools: number): number {
  return pools * STATUS_TIMEOUT_S * 1000 + 5_000;
}

/** One server's pools in one round trip; a pool that did not answer yields no reading. */
export async function readServer(transport: Transport, target: FpmTarget, at = () => new Date()): Promise<FpmReading[]> {
  const { stdout } = await transport.runScript(statusScript(target.pools.map((p) => p.slug)), {
    timeoutMs: scriptTimeoutMs(target.pools.length),
  });
  const when = at();
  const parts = sections(stdout);
  return target.pools.flatMap((pool, i) => {
    const status = parseFpmStatus(parts[i] ?? '', appLayout(pool.slug).fpmSocket);
    return status ? [{ pool, server: target.server, at: when, status }] : [];
  });
}

/**
 * One poll of every pool on every server: all servers in parallel over their existing
 * connections, then one insert of the samples and one upsert per rollup tier, then an alert for
 * each pool whose max_children_reached grew.
 */
export async function pollFpmOnce(db: Db, ring: KeyRing, deps: PollDeps): Promise<PollOutcome> {
  const targets = await fpmTargets(db);
  const connect = deps.transport ?? ((s: Server) => transportFor(s, ring));
  const failedServers: string[] = [];
  const perServer = await Promise.all(
    targets.map(async (target) => {
      try {
        const readings = await readServer(await connect(target.server), target);
        deps.onServerOk?.(target.server);
        return readings;
      } catch (err) {
        failedServers.push(target.server.name);
        deps.onServerError?.(target.server, err);
        return [];
      }
    }),
  );
  const readings = perServer.flat();
  await store(db, readings, deps.publicUrl);
  return { readings, failedServers };
}

async function store(db: Db, readings: FpmReading[], publicUrl: string): Promise<void> {
  if (readings.length === 0) return;
  const key = (appId: string, serverId: string) => `${appId}|${serverId}`;
  const previous = new Map(
    (
      await lastFpmReadings(
        db,
        readings.map((r) => ({ appId: r.pool.appId, serverId: r.server.id })),
      )
    ).map((p) => [key(p.appId, p.serverId), p]),
  );
  const increases = readings.map((r) => counterIncrease(previous.get(key(r.pool.appId, r.server.id)), r.status));
  await insertFpmSamples(db, readings.map(sampleRow));
  for (const res of FPM_RESOLUTIONS) {
    await upsertFpmRollups(
      db,
      res,
      readings.map((r, i) => ({
        appId: r.pool.appId,
        serverId: r.server.id,
        bucket: bucketOf(r.at, res),
        active: r.status.active,
        idle: r.status.idle,
        total: r.status.total,
        ...increases[i]!,
      })),
    );
  }
  for (const [i, r] of readings.entries()) await alertIfSaturated(db, r, increases[i]!, publicUrl);
}

function sampleRow(r: FpmReading): NewFpmSample {
  const s = r.status;
  return {
    appId: r.pool.appId,
    serverId: r.server.id,
    at: r.at,
    startTime: s.startTime,
    active: s.active,
    idle: s.idle,
    total: s.total,
    maxActive: s.maxActive,
    maxChildrenReached: s.maxChildrenReached,
    slowRequests: s.slowRequests,
    acceptedConn: s.acceptedConn,
    listenQueue: s.listenQueue,
  };
}

/** Repeats within emit.ts's window for fpm.max_children are recorded as suppressed there. */
async function alertIfSaturated(db: Db, r: FpmReading, inc: CounterIncrease, publicUrl: string): Promise<void> {
  if (inc.maxChildrenReached <= 0) return;
  const pool = `berth-${r.pool.slug}`;
  const times = inc.maxChildrenReached === 1 ? 'once' : `${inc.maxChildrenReached} times`;
  await notify(db, {
    type: 'fpm.max_children',
    appId: r.pool.appId,
    serverId: r.server.id,
    title: `${r.pool.slug}: PHP-FPM pool at max_children on ${r.server.name}`,
    text: `pool ${pool} on ${r.server.name} reached pm.max_children (${r.pool.maxChildren}) ${times} since the last poll; requests waited for a free worker.`,
    url: `${publicUrl}/apps/${r.pool.appId}/dashboard`,
    at: r.at,
  });
}

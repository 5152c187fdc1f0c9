/**
 * The monitoring engine the panel starts at boot: the scheduler, the batched writer, the
 * heartbeat deadline sweep, the per-app check sync and retention, each on its own timer.
 * One engine per process: start() records a handle on globalThis so that server actions
 * (which Next bundles as separate module copies) can ask it to reload.
 */
import type { Db } from '@/db';
import { vacuumMonitoringTables } from '@/db/queries/maintenance';
import { listMonitorsForScheduler } from '@/db/queries/monitors';
import type { KeyRing } from '@/lib/crypto';
import { syncAppMonitors } from './app-monitors';
import { checkOverdueHeartbeats, recordMissedHeartbeats } from './heartbeat';
import type { CheckOutcome, HttpTarget } from './http-check';
import { pruneChecks } from './retention';
import { ResultWriter } from './result-writer';
import { Scheduler } from './scheduler';
import { monitoringSettings } from './settings';

export type MonitoringOptions = {
  publicUrl: string;
  reloadMs?: number;
  flushMs?: number;
  heartbeatSweepMs?: number;
  retentionMs?: number;
  /** Create and update the per-app checks on every reload (off in the bench). */
  syncApps?: boolean;
  maxInFlight?: number;
  flushRows?: number;
  check?: (target: HttpTarget, signal: AbortSignal) => Promise<CheckOutcome>;
};

export type MonitoringStats = {
  monitors: number;
  inFlight: number;
  checksDone: number;
  checksSkipped: number;
  delayMs: { count: number; p50: number; p99: number; max: number };
  writer: ResultWriter['stats'];
  lastReloadError: string | null;
};

export type MonitoringHandle = {
  reload(): Promise<void>;
  stop(): Promise<void>;
  stats(): MonitoringStats;
  /** Writes the buffered results now (tests, shutdown). */
  flush(): Promise<void>;
};

const VACUUM_EVERY_RUNS = 6;

const slot = globalThis as typeof globalThis & { __berthMonitoring?: MonitoringHandle };

/** For server actions: apply a monitor change now instead of at the next periodic reload. No-op when not running. */
export async function reloadMonitoring(): Promise<void> {
  await slot.__berthMonitoring?.reload();
}

// The key ring is taken for what the engine may seal later (it does not today: tokens are sealed on create).
export async function startMonitoring(db: Db, _ring: KeyRing, options: MonitoringOptions): Promise<MonitoringHandle> {
  const deps = { db, publicUrl: options.publicUrl };
  const writer = new ResultWriter(db, { maxRows: options.flushRows ?? 500 });
  const scheduler = new Scheduler({ ...deps, writer, check: options.check, maxInFlight: options.maxInFlight });
  let lastReloadError: string | null = null;
  let reloading: Promise<void> | null = null;
  const timers: NodeJS.Timeout[] = [];
  // The periodic jobs running now: stop() waits for them before the caller closes the database.
  const jobs = new Set<Promise<unknown>>();

  const reloadOnce = async () => {
    try {
      if (options.syncApps !== false) await syncAppMonitors(db);
      scheduler.setMonitors(await listMonitorsForScheduler(db));
      lastReloadError = null;
    } catch (err) {
      lastReloadError = (err as Error).message;
      console.error(`berth: monitors: reload failed: ${lastReloadError}`);
    }
  };
  // Reloads do not overlap; one asked for during another runs after it, so it sees the newest rows.
  let again = false;
  const reload = async (): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        await reloadOnce();
      } while (again);
    })().finally(() => (reloading = null));
    return reloading;
  };

  const every = (ms: number, fn: () => Promise<unknown>, name: string) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      const job = fn()
        .catch((err) => console.error(`berth: monitors: ${name} failed: ${(err as Error).message}`))
        .finally(() => {
          busy = false;
          jobs.delete(job);
        });
      jobs.add(job);
    }, ms);
    t.unref();
    timers.push(t);
  };

  await reload();
  scheduler.start();
  every(options.reloadMs ?? 15_000, reload, 'reload');
  every(options.flushMs ?? 2_000, () => writer.flush(), 'flush');
  every(
    options.heartbeatSweepMs ?? 5_000,
    async () => {
      const now = new Date();
      await checkOverdueHeartbeats(deps, now);
      await recordMissedHeartbeats(db, now);
    },
    'heartbeat sweep',
  );
  // Pruned every ~10 minutes (small deletes); the freed space is made reusable every ~hour
  // (PGlite has no autovacuum; see db/queries/maintenance.ts).
  let retentionRuns = 0;
  every(
    options.retentionMs ?? 10 * 60_000,
    async () => {
      await pruneChecks(db, await monitoringSettings(db));
      if (++retentionRuns % VACUUM_EVERY_RUNS === 0) await vacuumMonitoringTables(db);
    },
    'retention',
  );

  const handle: MonitoringHandle = {
    reload,
    flush: () => writer.flush(),
    async stop() {
      if (slot.__berthMonitoring === handle) slot.__berthMonitoring = undefined;
      for (const t of timers) clearInterval(t);
      await scheduler.stop();
      await reloading;
      await Promise.allSettled([...jobs]);
      // Flush while it makes progress (a flush writes at most one bounded batch); a flush that
      // fails gets one more try before the process goes.
      let retries = 1;
      while (writer.stats.buffered > 0) {
        const written = writer.stats.written;
        await writer.flush();
        if (writer.stats.written > written) continue;
        if (retries-- <= 0) break;
      }
    },
    stats: () => ({
      monitors: scheduler.size,
      inFlight: scheduler.inFlightCount,
      checksDone: scheduler.checksDone,
      checksSkipped: scheduler.checksSkipped,
      delayMs: scheduler.delays.summary(),
      writer: { ...writer.stats },
      lastReloadError,
    }),
  };
  slot.__berthMonitoring = handle;
  return handle;
}

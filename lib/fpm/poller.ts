import type { Db } from '@/db';
import { pruneFpm } from '@/db/queries/fpm';
import type { KeyRing } from '@/lib/crypto';
import { monitoringSettings, type MonitoringSettings } from '@/lib/monitors/settings';
import { pollFpmOnce, type PollDeps, type PollOutcome } from './poll';

const PRUNE_EVERY_MS = 10 * 60_000;
const HOUR = 3_600_000;

/** The cut-offs of monitoringSettings' tiers, as of `now`. */
export function fpmRetention(s: MonitoringSettings, now: Date) {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return {
    samplesBefore: ago(s.rawHours * HOUR),
    rollupsBefore: { 60: ago(s.minuteHours * HOUR), 3600: ago(s.hourDays * 24 * HOUR), 86400: ago(s.dayDays * 24 * HOUR) },
  };
}

export type FpmPolling = {
  stop(): Promise<void>;
  /** Polls now (or waits for the poll already running) and returns what it read. */
  pollNow(): Promise<PollOutcome>;
};

/**
 * Polls every pool every monitoringSettings().fpmIntervalS seconds (re-read each cycle, so a
 * change applies without a restart) and prunes the FPM tables every ten minutes. A poll never
 * overlaps the previous one. Reachability is observe.ts's job: a server that cannot be polled is
 * logged once when it starts failing and once when it answers again, not every 15 s.
 */
export function startFpmPolling(db: Db, ring: KeyRing, opts: Pick<PollDeps, 'publicUrl' | 'transport'>): FpmPolling {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PollOutcome> | undefined;
  let lastPrune = 0;
  const failing = new Set<string>();

  const deps: PollDeps = {
    ...opts,
    onServerError(server, err) {
      if (failing.has(server.id)) return;
      failing.add(server.id);
      console.warn(`berth: FPM status of ${server.name} not polled: ${(err as Error).message ?? err}`);
    },
    onServerOk(server) {
      if (failing.delete(server.id)) console.info(`berth: FPM status of ${server.name} polled again`);
    },
  };

  async function cycle(): Promise<PollOutcome> {
    const outcome = await pollFpmOnce(db, ring, deps);
    if (Date.now() - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await pruneFpm(db, fpmRetention(await monitoringSettings(db), new Date()));
    }
    return outcome;
  }

  function pollNow(): Promise<PollOutcome> {
    running ??= cycle().finally(() => {
      running = undefined;
    });
    return running;
  }

  async function tick() {
    if (stopped) return;
    const started = Date.now();
    try {
      await pollNow();
    } catch (err) {
      console.error('berth: FPM poll failed:', err);
    }
    if (stopped) return;
    const { fpmIntervalS } = await monitoringSettings(db).catch(() => ({ fpmIntervalS: 15 }));
    timer = setTimeout(tick, Math.max(0, fpmIntervalS * 1000 - (Date.now() - started)));
    timer.unref?.();
  }

  // The first poll waits a moment: boot has more urgent work than FPM figures.
  timer = setTimeout(tick, 2_000);
  timer.unref?.();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    pollNow,
  };
}

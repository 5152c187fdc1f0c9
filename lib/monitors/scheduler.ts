/**
 * The in-process check scheduler. One timer, set to the earliest due check (a min-heap), runs
 * HTTP checks on each monitor's own beat (phase.ts), with a cap on checks in flight. Checks
 * never block one another: each has its own hard timeout, and the loop only starts them.
 * Results go to the batched writer; state transitions go through incidents.ts.
 */
import type { Monitor } from '@/db/schema';
import { DelayStats } from './delay-stats';
import { DueHeap } from './due-heap';
import { checkHttp, type CheckOutcome, type HttpTarget } from './http-check';
import { applyOutcome, type Streak, type TransitionDeps } from './incidents';
import { nextPlanned, phaseMs } from './phase';
import type { ResultWriter } from './result-writer';
import { parseStatusSpec } from './status-spec';

export type SchedulerDeps = TransitionDeps & {
  writer: ResultWriter;
  /** Replaceable for tests and the bench; the real check by default. The signal aborts it on stop(). */
  check?: (target: HttpTarget, signal: AbortSignal) => Promise<CheckOutcome>;
  maxInFlight?: number;
  now?: () => number;
};

type Entry = {
  monitor: Monitor;
  target: HttpTarget;
  intervalMs: number;
  phase: number;
  /** Bumped when the entry is rescheduled or removed: older heap items for it are ignored. */
  gen: number;
  running: boolean;
  /** Waiting for a free slot: one place in the queue at most, however many beats pass meanwhile. */
  queued: boolean;
  removed: boolean;
  streak: Streak;
};

export function targetOf(m: Monitor): HttpTarget | null {
  const parsed = parseStatusSpec(m.expectedStatus);
  if (m.kind !== 'http' || !m.url || 'error' in parsed) return null;
  return {
    url: m.url,
    method: m.method,
    timeoutMs: m.timeoutMs,
    expected: parsed.ranges,
    expectedText: m.expectedStatus,
    keyword: m.keyword,
    resolveTo: m.resolveTo,
  };
}

/**
 * The longest single timer. Node clamps a delay beyond 2^31-1 ms (24.8 days; intervals go up to
 * 31 days) to 1 ms, which would spin the loop; a timer that fires early just re-arms.
 */
export const MAX_TIMER_MS = 3_600_000;

type Waiting = { entry: Entry; gen: number; planned: number };

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new DueHeap<{ entry: Entry; gen: number }>();
  private readonly waiting: Waiting[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private running = false;
  private aborter = new AbortController();
  private loadedOnce = false;
  private readonly check: (target: HttpTarget, signal: AbortSignal) => Promise<CheckOutcome>;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  readonly delays = new DelayStats();
  checksDone = 0;
  checksSkipped = 0;

  constructor(private readonly deps: SchedulerDeps) {
    this.check = deps.check ?? ((t, signal) => checkHttp(t, { signal }));
    this.maxInFlight = deps.maxInFlight ?? 500;
    this.now = deps.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.aborter.signal.aborted) this.aborter = new AbortController();
    this.running = true;
    this.arm();
  }

  /**
   * Stops scheduling, aborts the checks in flight (their outcomes are not recorded: the caller is
   * about to close the database) and waits, up to `waitMs`, for them and any state change already
   * being written to settle.
   */
  async stop(waitMs = 5000): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
    for (const w of this.waiting.splice(0)) w.entry.queued = false;
    this.aborter.abort();
    const all = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /**
   * Replaces the set of monitors. The first load puts every monitor on its beat; a monitor that
   * appears later (just created or resumed) is checked at once, then joins its beat.
   */
  setMonitors(list: Monitor[]): void {
    const now = this.now();
    const seen = new Set<string>();
    for (const m of list) {
      const target = m.paused ? null : targetOf(m);
      if (!target) continue;
      seen.add(m.id);
      const intervalMs = m.intervalS * 1000;
      const old = this.entries.get(m.id);
      if (old) {
        const retimed = old.intervalMs !== intervalMs;
        old.monitor = m;
        old.target = target;
        // The database is the judge of state (a ping, an operator, another process may change it),
        // unless this snapshot was read before a transition this scheduler has just made.
        if (!old.running && (m.stateChangedAt?.getTime() ?? 0) >= old.streak.changedAt) {
          old.streak.state = m.state;
          old.streak.changedAt = m.stateChangedAt?.getTime() ?? 0;
        }
        if (retimed) {
          old.intervalMs = intervalMs;
          old.phase = phaseMs(m.id, intervalMs);
          old.gen++;
          this.schedule(old, nextPlanned(now, intervalMs, old.phase));
        }
        continue;
      }
      const streak: Streak = { failures: 0, state: m.state, changedAt: m.stateChangedAt?.getTime() ?? 0, lastError: m.lastError };
      const entry: Entry = {
        monitor: m,
        target,
        intervalMs,
        phase: phaseMs(m.id, intervalMs),
        gen: 0,
        running: false,
        queued: false,
        removed: false,
        streak,
      };
      this.entries.set(m.id, entry);
      this.schedule(entry, this.loadedOnce ? now : nextPlanned(now, intervalMs, entry.phase));
    }
    for (const [id, entry] of this.entries) {
      if (seen.has(id)) continue;
      entry.removed = true;
      entry.gen++;
      this.entries.delete(id);
    }
    this.loadedOnce = true;
    this.arm();
  }

  private schedule(entry: Entry, due: number): void {
    this.heap.push(due, { entry, gen: entry.gen });
    if (due < this.timerDue) this.arm();
  }

  private arm(): void {
    if (!this.running) return;
    const top = this.heap.peek();
    if (!top) return;
    if (this.timer && top.due >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = top.due;
    this.timer = setTimeout(() => this.runDue(), Math.min(MAX_TIMER_MS, Math.max(0, top.due - this.now())));
    this.timer.unref?.();
  }

  private runDue(): void {
    this.timer = null;
    this.timerDue = Infinity;
    if (!this.running) return;
    const now = this.now();
    for (let top = this.heap.peek(); top && top.due <= now; top = this.heap.peek()) {
      const { due, value } = this.heap.pop()!;
      const { entry, gen } = value;
      if (entry.removed || gen !== entry.gen) continue;
      // The next beat is planned from the last one (no drift); beats missed while the loop was stalled are skipped.
      let next = nextPlanned(due + 1, entry.intervalMs, entry.phase);
      if (next <= now) next = nextPlanned(now + 1, entry.intervalMs, entry.phase);
      this.heap.push(next, { entry, gen });
      // A monitor still running or still waiting for a slot is not queued again: one check of it at a time.
      if (entry.running || entry.queued) {
        this.checksSkipped++;
        continue;
      }
      this.startOrQueue(entry, due);
    }
    this.arm();
  }

  private startOrQueue(entry: Entry, planned: number): void {
    if (this.inFlight.size >= this.maxInFlight) {
      entry.queued = true;
      this.waiting.push({ entry, gen: entry.gen, planned });
      return;
    }
    this.launch(entry, planned);
  }

  private launch(entry: Entry, planned: number): void {
    entry.running = true;
    const started = this.now();
    this.delays.record(Math.max(0, started - planned));
    const run = this.runOne(entry, started).finally(() => {
      entry.running = false;
      this.inFlight.delete(run);
      this.takeWaiting();
    });
    this.inFlight.add(run);
  }

  /** A slot came free: the oldest waiting check that still makes sense runs in it. */
  private takeWaiting(): void {
    while (this.running && this.inFlight.size < this.maxInFlight) {
      const item = this.waiting.shift();
      if (!item) return;
      const { entry } = item;
      entry.queued = false;
      if (entry.removed || entry.running || item.gen !== entry.gen) continue;
      // Older than one interval: the next beat is due (or past) anyway, so this one is skipped, not run late.
      if (this.now() - item.planned > entry.intervalMs) {
        this.checksSkipped++;
        continue;
      }
      this.launch(entry, item.planned);
    }
  }

  private async runOne(entry: Entry, started: number): Promise<void> {
    const at = new Date(started);
    let outcome: CheckOutcome;
    try {
      outcome = await this.check(entry.target, this.aborter.signal);
    } catch (err) {
      outcome = { ok: false, latencyMs: null, status: null, error: (err as Error).message.slice(0, 200) };
    }
    this.checksDone++;
    // After stop() the outcome is an abort, not an answer, and the database may be closing.
    if (entry.removed || !this.running) return;
    const m = entry.monitor;
    this.deps.writer.add({
      monitorId: m.id,
      at,
      ok: outcome.ok,
      latencyMs: outcome.latencyMs,
      status: outcome.status,
      error: outcome.error,
    });
    try {
      await applyOutcome(this.deps, m, entry.streak, outcome, at);
    } catch (err) {
      console.error(`berth: monitor ${m.name}: recording a state change failed: ${(err as Error).message}`);
    }
  }
}

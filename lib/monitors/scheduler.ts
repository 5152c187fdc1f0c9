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
  /** Replaceable for tests and the bench; the real check by default. */
  check?: (target: HttpTarget) => Promise<CheckOutcome>;
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
  removed: boolean;
  streak: Streak;
};

export function targetOf(m: Monitor): HttpTarget | null {
  const parsed = parseStatusSpec(m.expectedStatus);
  if (m.kind !== 'http' || !m.url || 'error' in parsed) return null;
  return { url: m.url, method: m.method, timeoutMs: m.timeoutMs, expected: parsed.ranges, expectedText: m.expectedStatus, keyword: m.keyword, resolveTo: m.resolveTo };
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new DueHeap<{ entry: Entry; gen: number }>();
  private readonly waiting: Array<{ entry: Entry; planned: number }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private running = false;
  private loadedOnce = false;
  private readonly check: (target: HttpTarget) => Promise<CheckOutcome>;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  readonly delays = new DelayStats();
  checksDone = 0;
  checksSkipped = 0;

  constructor(private readonly deps: SchedulerDeps) {
    this.check = deps.check ?? ((t) => checkHttp(t));
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
    this.running = true;
    this.arm();
  }

  /** Stops scheduling and waits (up to `waitMs`) for the checks in flight to record their results. */
  async stop(waitMs = 2000): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs).unref())]);
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
        // The database is the judge of state (a ping, an operator, another process may change it).
        if (!old.running) old.streak.state = m.state;
        if (retimed) {
          old.intervalMs = intervalMs;
          old.phase = phaseMs(m.id, intervalMs);
          old.gen++;
          this.schedule(old, nextPlanned(now, intervalMs, old.phase));
        }
        continue;
      }
      const entry: Entry = { monitor: m, target, intervalMs, phase: phaseMs(m.id, intervalMs), gen: 0, running: false, removed: false, streak: { failures: 0, state: m.state, lastError: m.lastError } };
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
    this.timer = setTimeout(() => this.runDue(), Math.max(0, top.due - this.now()));
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
      if (entry.running) {
        this.checksSkipped++;
        continue;
      }
      this.startOrQueue(entry, due);
    }
    this.arm();
  }

  private startOrQueue(entry: Entry, planned: number): void {
    if (this.inFlight.size >= this.maxInFlight) {
      this.waiting.push({ entry, planned });
      return;
    }
    entry.running = true;
    const started = this.now();
    this.delays.record(Math.max(0, started - planned));
    const run = this.runOne(entry, started).finally(() => {
      entry.running = false;
      this.inFlight.delete(run);
      const nextWaiting = this.waiting.shift();
      if (nextWaiting && this.running && !nextWaiting.entry.removed) this.startOrQueue(nextWaiting.entry, nextWaiting.planned);
    });
    this.inFlight.add(run);
  }

  private async runOne(entry: Entry, started: number): Promise<void> {
    const at = new Date(started);
    let outcome: CheckOutcome;
    try {
      outcome = await this.check(entry.target);
    } catch (err) {
      outcome = { ok: false, latencyMs: null, status: null, error: (err as Error).message.slice(0, 200) };
    }
    this.checksDone++;
    if (entry.removed) return;
    const m = entry.monitor;
    this.deps.writer.add({ monitorId: m.id, at, ok: outcome.ok, latencyMs: outcome.latencyMs, status: outcome.status, error: outcome.error });
    try {
      await applyOutcome(this.deps, m, entry.streak, outcome, at);
    } catch (err) {
      console.error(`berth: monitor ${m.name}: recording a state change failed: ${(err as Error).message}`);
    }
  }
}

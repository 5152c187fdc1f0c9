/**
 * Check results are buffered and written in batches: one transaction per flush holding one
 * multi-row insert, one rollup upsert (aggregated here first, so a minute/hour/day bucket is
 * one row however many results fall in it) and one update of the monitors' last state.
 * A failed flush keeps its rows for the next one; the buffer is bounded, and what it has to
 * drop is counted and logged, never lost silently.
 */
import type { Db } from '@/db';
import { writeCheckBatch, type LastState, type ResultRow, type RollupRow } from '@/db/queries/check-results';
import { ROLLUP } from '@/db/schema';

export const RESOLUTIONS = [ROLLUP.minute, ROLLUP.hour, ROLLUP.day] as const;

export function bucketOf(at: Date, res: number): Date {
  const ms = res * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/** Results folded into one row per (monitor, resolution, bucket). */
export function aggregateRollups(results: ResultRow[], resolutions: readonly number[] = RESOLUTIONS): RollupRow[] {
  const out = new Map<string, RollupRow>();
  for (const r of results) {
    for (const res of resolutions) {
      const bucket = bucketOf(r.at, res);
      const key = `${r.monitorId}|${res}|${bucket.getTime()}`;
      let row = out.get(key);
      if (!row) {
        row = { monitorId: r.monitorId, res, bucket, checks: 0, failures: 0, latencySum: 0, latencyCount: 0, latencyMax: null };
        out.set(key, row);
      }
      row.checks++;
      if (!r.ok) row.failures++;
      if (r.latencyMs !== null) {
        row.latencySum += r.latencyMs;
        row.latencyCount++;
        row.latencyMax = Math.max(row.latencyMax ?? 0, r.latencyMs);
      }
    }
  }
  return [...out.values()];
}

/** The newest result per monitor. */
export function lastStates(results: ResultRow[]): LastState[] {
  const out = new Map<string, LastState>();
  for (const r of results) {
    const prev = out.get(r.monitorId);
    if (!prev || prev.at <= r.at)
      out.set(r.monitorId, { monitorId: r.monitorId, at: r.at, ok: r.ok, latencyMs: r.latencyMs, error: r.error });
  }
  return [...out.values()];
}

export type WriterOptions = {
  /** Flush when this many rows wait, without waiting for the timer. */
  maxRows?: number;
  /** Beyond this many waiting rows (the database has been failing), the oldest are dropped and counted. */
  maxBuffered?: number;
  log?: (message: string) => void;
};

export type WriterStats = {
  buffered: number;
  written: number;
  flushes: number;
  failedFlushes: number;
  dropped: number;
  lastError: string | null;
};

export class ResultWriter {
  private buffer: ResultRow[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxRows: number;
  private readonly maxBuffered: number;
  private readonly log: (message: string) => void;
  readonly stats: WriterStats = { buffered: 0, written: 0, flushes: 0, failedFlushes: 0, dropped: 0, lastError: null };

  constructor(
    private readonly db: Db,
    options: WriterOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.log = options.log ?? ((m) => console.error(`berth: monitors: ${m}`));
  }

  add(row: ResultRow): void {
    this.buffer.push(row);
    this.stats.buffered = this.buffer.length;
    if (this.buffer.length >= this.maxRows && !this.flushing) void this.flush();
  }

  /** Writes what is buffered; concurrent calls share the flush in progress. Never throws. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = this.writeOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writeOnce(): Promise<void> {
    // Batches stay bounded in size (statement parameters), the rest waits for the next flush.
    const batch = this.buffer.splice(0, this.maxRows * 2);
    try {
      await writeCheckBatch(this.db, batch, aggregateRollups(batch), lastStates(batch));
      this.stats.written += batch.length;
      this.stats.flushes++;
      this.stats.lastError = null;
    } catch (err) {
      this.stats.failedFlushes++;
      this.stats.lastError = (err as Error).message;
      this.buffer.unshift(...batch);
      const excess = this.buffer.length - this.maxBuffered;
      if (excess > 0) {
        this.buffer.splice(0, excess);
        this.stats.dropped += excess;
        this.log(
          `writing check results failed (${(err as Error).message}); dropped the ${excess} oldest of them (${this.stats.dropped} in all)`,
        );
      } else {
        this.log(`writing ${batch.length} check results failed, will retry: ${(err as Error).message}`);
      }
    } finally {
      this.stats.buffered = this.buffer.length;
    }
  }
}

/** Scheduling delay (actual start − planned time), kept as a ring of recent samples for percentiles. */
export class DelayStats {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  count = 0;
  max = 0;

  constructor(capacity = 50_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.filled = Math.min(this.filled + 1, this.samples.length);
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Percentiles over the retained samples; max over everything recorded. */
  summary(): { count: number; p50: number; p99: number; max: number } {
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    return { count: this.count, p50: at(0.5), p99: at(0.99), max: this.max };
  }

  reset(): void {
    this.next = this.filled = this.count = this.max = 0;
  }
}

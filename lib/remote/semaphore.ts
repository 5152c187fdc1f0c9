/**
 * A FIFO counting semaphore. A connection holds one with 8 permits: OpenSSH refuses the
 * 11th session on a connection (MaxSessions 10, SFTP included), so callers queue instead.
 */
export type Release = () => void;

export class Semaphore {
  readonly permits: number;
  private available: number;
  private readonly waiting: Array<{ grant: (release: Release) => void }> = [];

  constructor(permits: number) {
    this.permits = permits;
    this.available = permits;
  }

  get inUse(): number {
    return this.permits - this.available;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function, once a permit is free. A cancelled wait rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: (release: Release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Releasing twice is a no-op, so `finally` blocks can always release. */
  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant(this.releaser());
      else this.available++;
    };
  }
}

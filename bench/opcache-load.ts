// bench/opcache.ts's load: C keep-alive connections in a closed loop, every request's end time
// and latency kept, so any window around a switch can be cut out afterwards (wrk's Lua has no
// wall clock finer than a second, so it cannot tie a slow request to the moment of a switch).
import http from 'node:http';

export type Sample = { at: number; ms: number; status: number };

export function closedLoop(address: string, host: string, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const samples: Sample[] = [];
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = http.request({ host: address, port: 80, path: '/', headers: { Host: host }, agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          samples.push({ at: performance.now(), ms: performance.now() - started, status: res.statusCode ?? 0 });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        samples.push({ at: performance.now(), ms: performance.now() - started, status: 0 });
        resolve();
      });
      req.end();
    });
  const lanes = Array.from({ length: connections }, async () => {
    while (running) await one();
  });
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(lanes);
      agent.destroy();
    },
  };
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The requests that ENDED in [from, to): a request slowed by the switch ends after it. */
export function windowOf(samples: Sample[], from: number, to: number) {
  const w = samples.filter((s) => s.at >= from && s.at < to);
  const ms = w.map((s) => s.ms);
  return {
    requests: w.length,
    non2xx: w.filter((s) => s.status < 200 || s.status > 299).length,
    p50: quantile(ms, 0.5),
    p99: quantile(ms, 0.99),
    p999: quantile(ms, 0.999),
    max: ms.length ? Math.max(...ms) : Number.NaN,
  };
}

export const median = (xs: number[]) => quantile(xs, 0.5);

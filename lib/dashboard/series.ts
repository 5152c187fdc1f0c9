import type { AppMonitor, CheckBucket, FpmBucket } from '@/db/queries/dashboard';
import { bucketTimes, type ChartWindow } from './range';

// Query rows → recharts data: one object per chart point (every bucket of the window, so a gap
// shows as a gap, not as a line drawn across it), with one key per monitor.

export type ResponseLine = { key: string; label: string; color: string };
/** `t` in epoch ms; `m<i>` the average latency of monitor i (null: no latency measured); `f<i>` set where it failed. */
export type ResponsePoint = { t: number; failures: number; checks: number } & Record<string, number | null>;

const PALETTE = ['#4f46e5', '#059669', '#d97706', '#0891b2', '#7c3aed', '#db2777', '#65a30d', '#475569'];

/** "shop.test on web-1": the monitor's name, with the server it targets unless the name says it already. */
export function monitorLabel(m: Pick<AppMonitor, 'name' | 'serverName'>): string {
  return m.serverName && !m.name.includes(m.serverName) ? `${m.name} on ${m.serverName}` : m.name;
}

export function responseSeries(
  w: ChartWindow,
  mons: AppMonitor[],
  rows: CheckBucket[],
): { lines: ResponseLine[]; points: ResponsePoint[] } {
  const index = new Map(mons.map((m, i) => [m.id, i]));
  const lines = mons.map((m, i) => ({ key: `m${i}`, label: monitorLabel(m), color: PALETTE[i % PALETTE.length]! }));
  const times = bucketTimes(w);
  const points = times.map((t) => {
    const p: ResponsePoint = { t, failures: 0, checks: 0 } as ResponsePoint;
    for (const l of lines) {
      p[l.key] = null;
      p[`f${l.key.slice(1)}`] = null;
    }
    return p;
  });
  const slot = new Map(times.map((t, i) => [t, i]));
  for (const r of rows) {
    const i = index.get(r.monitorId);
    const at = slot.get(r.t);
    if (i === undefined || at === undefined) continue;
    const p = points[at]!;
    const avg = r.latencyCount > 0 ? Math.round(r.latencySum / r.latencyCount) : null;
    p[`m${i}`] = avg;
    p.checks += r.checks;
    p.failures += r.failures;
    // A failed check often has no latency (refused, timed out): the red dot sits at the average
    // when there is one, and on the axis otherwise.
    if (r.failures > 0) p[`f${i}`] = avg ?? 0;
  }
  return { lines, points };
}

/** Active and idle processes summed over the app's servers (each server's average in the bucket), and max_children hits. */
export type FpmPoint = { t: number; active: number | null; idle: number | null; reached: number; servers: number };

export function fpmSeries(w: ChartWindow, rows: FpmBucket[]): FpmPoint[] {
  const times = bucketTimes(w);
  const slot = new Map(times.map((t, i) => [t, i]));
  const points: FpmPoint[] = times.map((t) => ({ t, active: null, idle: null, reached: 0, servers: 0 }));
  for (const r of rows) {
    const at = slot.get(r.t);
    if (at === undefined || r.samples === 0) continue;
    const p = points[at]!;
    p.active = round1((p.active ?? 0) + r.activeSum / r.samples);
    p.idle = round1((p.idle ?? 0) + r.idleSum / r.samples);
    p.reached += r.maxChildrenReached;
    p.servers += 1;
  }
  return points;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

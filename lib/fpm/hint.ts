import { appLayout } from '@/lib/plan/app-layout';

/** An hour rollup of one server (fpm_rollups res 3600, or db/queries/fpm.ts fpmHourlyMaxChildren). */
export type HourBucket = { serverId: string /** bucket start, epoch ms */; t: number; maxChildrenReached: number };

export type HintInput = {
  slug: string;
  maxChildren: number;
  memoryLimitMb: number;
  buckets: HourBucket[];
  /** memoryMb from the server's facts, when known. */
  servers: { id: string; name: string; memoryMb?: number | null }[];
  now: Date;
};

export type TuningHint = { serverName: string; reached: number; hours: number; text: string };

const DAY_MS = 24 * 3_600_000;
/** "Repeatedly": in this many distinct hours of the last day, or this many times in all. */
export const HINT_MIN_HOURS = 3;
export const HINT_MIN_TIMES = 5;

/**
 * A hint for the app's dashboard when its pool ran out of workers repeatedly in the last 24 h:
 * once is a spike, the same thing every few hours is the pool's size. It names the worst
 * server. Berth does not measure worker memory, so the only figure it can stand behind is the
 * worst case, memory_limit per worker, against the server's memory.
 */
export function tuningHint(input: HintInput): TuningHint | null {
  const since = input.now.getTime() - DAY_MS;
  const per = new Map<string, { reached: number; hours: Set<number> }>();
  for (const b of input.buckets) {
    if (b.t < since || b.maxChildrenReached <= 0) continue;
    const s = per.get(b.serverId) ?? { reached: 0, hours: new Set<number>() };
    s.reached += b.maxChildrenReached;
    s.hours.add(b.t);
    per.set(b.serverId, s);
  }
  const worst = [...per.entries()]
    .filter(([, s]) => s.hours.size >= HINT_MIN_HOURS || s.reached >= HINT_MIN_TIMES)
    .sort(([, a], [, b]) => b.reached - a.reached || b.hours.size - a.hours.size)[0];
  if (!worst) return null;
  const [serverId, { reached, hours }] = worst;
  const server = input.servers.find((s) => s.id === serverId);
  const name = server?.name ?? 'a server';
  const times = reached === 1 ? 'once' : `${reached} times`;
  const when = hours.size === 1 ? 'within one hour' : `in ${hours.size} different hours`;
  const head = `pm.max_children (${input.maxChildren}) was reached ${times} in 24 h on ${name} (${when}): requests waited for a free PHP worker.`;
  const slowlog = `${appLayout(input.slug).logDir}/fpm-slow.log`;
  return {
    serverName: name,
    reached,
    hours: hours.size,
    text: `${head} ${advice(input, server?.memoryMb ?? null, name)} Or find the slow requests (slow log: ${slowlog}).`,
  };
}

function advice(input: HintInput, memoryMb: number | null, name: string): string {
  const limit = input.memoryLimitMb;
  if (!memoryMb || memoryMb < limit) {
    return `Raise it if ${name} has memory to spare: each worker may use up to the pool's memory_limit (${limit} MB).`;
  }
  const fit = Math.floor(memoryMb / limit);
  if (fit > input.maxChildren) {
    return `Raise it: ${name} has ${memoryMb} MB, enough for ${fit} workers even if each used the pool's full memory_limit (${limit} MB), less what other apps and services need.`;
  }
  return `${name} has ${memoryMb} MB, which covers only ${fit} workers at the pool's memory_limit (${limit} MB): lower memory_limit if the app allows it before raising max_children, or add memory.`;
}

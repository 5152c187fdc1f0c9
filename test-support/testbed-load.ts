import http from 'node:http';
import type { Db } from '@/db';
import { runsOfRelease } from '@/db/queries/releases';
import { tasksOf } from '@/db/queries/runs';

/** What one host answered under load: every request counted, every failure kept (status or socket error). */
export type HostLoad = { requests: number; failures: string[]; answers: { at: number; body: string }[] };

/** One GET /; `agent` decides fresh connections (false) or reused ones (a keep-alive agent). */
function get(address: string, hostHeader: string, agent: http.Agent | false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port: 80, path: '/', headers: { host: hostHeader }, timeout: 5000, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

/**
 * For release tests under load: `clients` loops per host of GET / through its nginx with the
 * app's Host header, back to back, until `stop()` or `capMs` (bounded whatever happens).
 * Fresh connections by default. With `keepAlive`, each nginx reload (a process app's traffic
 * move) costs about one request per client: the old workers close idle keep-alive
 * connections, and a request sent at that instant gets "socket hang up" (measured: 1–2 per
 * host per reload at ~2000 requests/s per client); browsers retry those, Node's agent does not.
 */
export function loadHosts(addresses: string[], hostHeader: string, opts: { clients?: number; capMs?: number; keepAlive?: boolean } = {}) {
  const { clients = 2, capMs = 30_000, keepAlive = false } = opts;
  const started = Date.now();
  const stats = new Map<string, HostLoad>(addresses.map((a) => [a, { requests: 0, failures: [], answers: [] }]));
  let stopped = false;
  const loops = addresses.flatMap((address) =>
    Array.from({ length: clients }, async () => {
      const s = stats.get(address)!;
      const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
      while (!stopped && Date.now() - started < capMs) {
        const at = Date.now();
        s.requests++;
        try {
          const r = await get(address, hostHeader, agent);
          if (r.status < 200 || r.status > 299) s.failures.push(`status ${r.status}: ${r.body.slice(0, 80)}`);
          else s.answers.push({ at, body: r.body.trim() });
        } catch (err) {
          s.failures.push((err as Error).message);
        }
      }
      if (agent) agent.destroy();
    }),
  );
  return {
    /** Waits (up to `ms`) until every host has answered `count` times after `since`. */
    async answersAfter(since: number, count: number, ms = 15_000): Promise<void> {
      const deadline = Date.now() + ms;
      const enough = () => [...stats.values()].every((s) => s.answers.filter((a) => a.at > since).length >= count);
      while (!enough() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
    async stop(): Promise<Map<string, HostLoad>> {
      stopped = true;
      await Promise.all(loops);
      return stats;
    },
  };
}

/** How many answers named each release id ("fixture release <id>"), for the log. */
export function countBodies(load: HostLoad): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of load.answers) {
    const id = a.body.replace('fixture release ', '').slice(0, 10);
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Where a release's time went, per server run: every task that took 50 ms or more. */
export async function taskTimings(db: Db, releaseId: string): Promise<string> {
  const runs = await runsOfRelease(db, releaseId);
  const lines = await Promise.all(
    runs.map(async (r) => {
      const slow = (await tasksOf(db, r.id)).filter((t) => t.startedAt && t.finishedAt && +t.finishedAt - +t.startedAt >= 50);
      return `${r.recipe}@${r.serverId.slice(0, 4)}: ${slow.map((t) => `${t.name} ${+t.finishedAt! - +t.startedAt!} ms`).join(', ')}`;
    }),
  );
  return lines.join(' | ');
}

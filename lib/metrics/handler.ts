import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '@/db';
import { recordAudit } from '@/lib/audit/record';
import { renderMetrics } from './render';

export const METRICS_OFF_TEXT =
  'Metrics are off. Set BERTH_METRICS_TOKEN (32 or more characters) in the panel environment and restart Berth, then scrape /api/metrics with "Authorization: Bearer <token>".\n';

/** A denial is audited at most this often per client address: a misconfigured scraper retries every 15 s. */
const AUDIT_EVERY_MS = 10 * 60_000;
const lastAudited = new Map<string, number>();

/** Hashing first makes both sides the same length, so the comparison's time says nothing about the token. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearerOf(header: string | null): string | null {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

export type MetricsDeps = { db: Db; token: string | undefined; ip: string | null; now?: () => Date };

/**
 * GET /api/metrics. No session: the bearer token is the authorization. Not configured → 404
 * (the endpoint does not exist until an operator turns it on); missing or wrong → 401.
 */
export async function handleMetrics(request: Request, deps: MetricsDeps): Promise<Response> {
  const noStore = { 'Cache-Control': 'no-store' };
  if (!deps.token)
    return new Response(METRICS_OFF_TEXT, { status: 404, headers: { ...noStore, 'Content-Type': 'text/plain; charset=utf-8' } });
  const presented = bearerOf(request.headers.get('authorization'));
  if (presented === null || !tokenMatches(presented, deps.token)) {
    await auditDenial(deps, presented === null ? 'no bearer token' : 'wrong bearer token');
    return new Response('Unauthorized\n', {
      status: 401,
      headers: { ...noStore, 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="berth-metrics"' },
    });
  }
  try {
    const { contentType, body } = await renderMetrics(deps.db, deps.now?.());
    return new Response(body, { status: 200, headers: { ...noStore, 'Content-Type': contentType } });
  } catch (err) {
    console.error('berth: /api/metrics failed:', err);
    return new Response('berth_up 0\n', {
      status: 503,
      headers: { ...noStore, 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    });
  }
}

async function auditDenial(deps: MetricsDeps, reason: string): Promise<void> {
  const key = deps.ip ?? '-';
  const now = Date.now();
  if (now - (lastAudited.get(key) ?? 0) < AUDIT_EVERY_MS) return;
  lastAudited.set(key, now);
  if (lastAudited.size > 1000) lastAudited.clear(); // a bound, not a cache: worst case a few more audit rows
  await recordAudit(deps.db, { action: 'metrics.scrape', target: 'api:metrics', outcome: 'denied', reason, ip: deps.ip }).catch(
    (err: unknown) => console.error('berth: auditing a metrics denial failed:', err),
  );
}

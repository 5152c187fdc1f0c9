import { db } from '@/db';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { handleMetrics } from '@/lib/metrics/handler';
import { getRuntime } from '@/lib/runtime';

/**
 * Prometheus scrape endpoint. No session: the bearer token (BERTH_METRICS_TOKEN) is the
 * authorization, checked in lib/metrics/handler.ts, which also audits denials. Only GET is
 * exported, so Next answers 405 to any other method.
 */
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const runtime = getRuntime();
  return handleMetrics(request, { db: db(), token: runtime.env.metricsToken, ip: clientIpFrom(request.headers) });
}

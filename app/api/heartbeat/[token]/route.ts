import { db } from '@/db';
import { receivePing } from '@/lib/monitors/heartbeat';
import { getRuntime } from '@/lib/runtime';

/**
 * A heartbeat ping (cron: `curl -fsS $URL`). No session: the 256-bit token in the path is the
 * secret, looked up by its hash. GET and POST both count, so any HTTP client works.
 */
async function ping(_request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const outcome = await receivePing({ db: db(), publicUrl: getRuntime().env.publicUrl }, token);
  const headers = { 'Cache-Control': 'no-store' };
  if (outcome === 'unknown') return Response.json({ ok: false, error: 'unknown heartbeat' }, { status: 404, headers });
  return Response.json({ ok: true, paused: outcome === 'paused' }, { headers });
}

export const GET = ping;
export const POST = ping;

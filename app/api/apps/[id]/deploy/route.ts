import { db } from '@/db';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { receiveDelivery } from '@/lib/releases/webhook-delivery';
import { SIGNATURE_HEADER, readLimited } from '@/lib/releases/webhook';
import { getRuntime } from '@/lib/runtime';

/**
 * CI's deploy webhook. No session: the HMAC signature over the raw body is the authorization,
 * checked in lib/releases/webhook-delivery.ts, which also audits every delivery. Only POST is
 * exported, so Next answers 405 to any other method.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const runtime = getRuntime();
  const { id } = await params;
  // Read with a cap before anything hashes it: the raw bytes are what the sender signed.
  const body = await readLimited(request.body);
  const answer = await receiveDelivery(
    {
      db: db(),
      ring: runtime.keyRing,
      enqueue: (payload, key) => runtime.jobs.send(payload, key),
      publicUrl: runtime.env.publicUrl,
      ip: clientIpFrom(request.headers),
    },
    id,
    body,
    request.headers.get(SIGNATURE_HEADER),
  );
  return Response.json(answer.body, { status: answer.status, headers: { 'Cache-Control': 'no-store' } });
}

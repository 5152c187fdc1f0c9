import { db } from '@/db';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { receivePush } from '@/lib/gitops/push-hook';
import { readLimited, SIGNATURE_HEADER } from '@/lib/releases/webhook';
import { enqueue, getRuntime } from '@/lib/runtime';

/** An ops repository's push webhook. No session: the HMAC signature over the raw body is the authorization (lib/gitops/push-hook.ts). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    return await receive(request, (await params).id);
  } catch (err) {
    console.error('berth: an ops push failed:', err);
    return Response.json(
      { error: 'Something went wrong; the panel logged it.' },
      { status: 500, headers: { 'Cache-Control': 'no-store' } },
    );
  }
}

async function receive(request: Request, id: string): Promise<Response> {
  const body = await readLimited(request.body);
  const answer = await receivePush(
    { db: db(), ring: getRuntime().keyRing, enqueue, ip: clientIpFrom(request.headers) },
    id,
    body,
    request.headers.get(SIGNATURE_HEADER),
  );
  return Response.json(answer.body, { status: answer.status, headers: { 'Cache-Control': 'no-store' } });
}

import { db } from '@/db';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { currentUser, sessionClaims } from '@/lib/auth/session';
import { liveReleaseStream, SSE_HEADERS } from '@/lib/releases/live-stream';
import { authorizeWatch, sessionStillValid } from '@/lib/releases/watch-access';

/**
 * The release page's live log as Server-Sent Events: a snapshot, then only changes, then
 * `end`. Logs are redacted when the runner writes them; nothing else secret is ever read here.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const access = await authorizeWatch({ db: db(), currentUser, ip: clientIpFrom(request.headers) }, (await params).id);
  if (!access.ok) return access.response;
  const { release } = access;
  const claims = await sessionClaims();
  const body = liveReleaseStream({
    db: db(),
    releaseId: release.id,
    signal: request.signal,
    stillAllowed: () => sessionStillValid(db(), claims),
  });
  return new Response(body, { headers: SSE_HEADERS });
}

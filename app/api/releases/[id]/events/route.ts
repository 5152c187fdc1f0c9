import { db } from '@/db';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { currentUser } from '@/lib/auth/session';
import { liveReleaseStream, SSE_HEADERS } from '@/lib/releases/live-stream';
import { authorizeWatch, sessionStillValid } from '@/lib/releases/watch-access';

/**
 * The release page's live log as Server-Sent Events: a snapshot, then only changes, then
 * `end`. Logs are redacted when the runner writes them; nothing else secret is ever read here.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const access = await authorizeWatch({ db: db(), currentUser, ip: clientIpFrom(request.headers) }, (await params).id);
  if (!access.ok) return access.response;
  const { user, release } = access;
  const body = liveReleaseStream({
    db: db(),
    releaseId: release.id,
    signal: request.signal,
    stillAllowed: () => sessionStillValid(db(), user),
  });
  return new Response(body, { headers: SSE_HEADERS });
}

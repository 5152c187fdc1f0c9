import { db } from '@/db';
import { findRun } from '@/db/queries/runs';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { currentUser, sessionClaims } from '@/lib/auth/session';
import { SSE_HEADERS } from '@/lib/releases/live-stream';
import { authorizeFollow, sessionStillValid } from '@/lib/releases/watch-access';
import { liveRunStream } from '@/lib/runs/live-run';

/**
 * A provision or configure run's live log as Server-Sent Events, like a release's: a snapshot,
 * then only changes, then `end`. Any signed-in role may follow it (every role sees every server
 * and app); signed out is 401, a malformed or unknown id 404. The session is re-checked during
 * the stream, so a logout or a disabled account ends it.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const access = await authorizeFollow({ db: db(), currentUser, ip: clientIpFrom(request.headers) }, (await params).id, {
    kind: 'run',
    find: findRun,
  });
  if (!access.ok) return access.response;
  const claims = await sessionClaims();
  const body = liveRunStream({
    db: db(),
    runId: access.target.id,
    signal: request.signal,
    stillAllowed: () => sessionStillValid(db(), claims),
  });
  return new Response(body, { headers: SSE_HEADERS });
}

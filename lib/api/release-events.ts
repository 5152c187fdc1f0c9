import type { Db } from '@/db';
import { findApiToken } from '@/db/queries/api-tokens';
import { liveReleaseStream, SSE_HEADERS } from '@/lib/releases/live-stream';
import { authorizeWatch } from '@/lib/releases/watch-access';
import { findUserById } from '@/db/queries/users';
import { tokenRefusal } from '@/lib/auth/api-tokens';
import { apiError, tokenUser } from './endpoint';

/**
 * A release's live log for a token holder: the same Server-Sent Events the release page
 * follows (snapshot, changes, `end`), with the same rule (any role may watch). A token revoked
 * or expired meanwhile ends the stream at its next re-check.
 */
export async function releaseEventsResponse(db: Db, request: Request, id: string): Promise<Response> {
  const who = await tokenUser(db, request, 'release.watch');
  if (who instanceof Response) return who;
  const access = await authorizeWatch({ db, currentUser: async () => who.auth.user, ip: who.ip }, id);
  if (!access.ok) return apiError('not_found', `No release "${id.slice(0, 64)}".`);
  const tokenId = who.auth.token.id;
  const userId = who.auth.user.id;
  const body = liveReleaseStream({
    db,
    releaseId: access.release.id,
    signal: request.signal,
    // The same rules as the token check at the start: revoked, expired or a disabled owner ends the stream.
    stillAllowed: async () => {
      const token = await findApiToken(db, tokenId);
      return !!token && tokenRefusal(token, await findUserById(db, userId)) === null;
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import { db } from '@/db';
import type { User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { auth, signOut } from './auth';
import { clientIp } from './client-ip';
import { loginUrlFor, REQUEST_PATH_HEADER } from './return-to';
import { hasRole } from './roles';
import { endSession, type SessionClaims, userForSession } from './session-store';
import { mustEnrol } from './two-factor';
import type { Role } from '@/lib/model/roles';

/**
 * The signed-in user, re-read from the database on every request: a logged-out session, a
 * disabled account or a changed password (session version bump) ends the session at once,
 * whatever the cookie says.
 */
// cache(): a page and its layout both ask; one session decode and one row read per request.
export const signedInUser = cache(async (): Promise<User | null> => userForSession(db(), await sessionClaims()));

/**
 * The user every page, action and route handler acts as. When owners require two-factor sign-in,
 * a user who has not enrolled yet is nobody here: only the enrolment step (signedInUser) sees them.
 */
export const currentUser = cache(async (): Promise<User | null> => {
  const user = await signedInUser();
  return user && (await mustEnrol(db(), user)) ? null : user;
});

/** The session JWT's claims (its user, session version and session id), decoded once per request. */
export const sessionClaims = cache(async (): Promise<SessionClaims | null> => (await auth()) as SessionClaims | null);

/**
 * Logout: revokes this session's row (so a copy of the cookie is refused from now on), then
 * clears the cookie. A failed revoke throws before the cookie goes, so the user is not told
 * they are signed out while the session still works.
 */
export async function signOutThisSession(): Promise<void> {
  await endSession(db(), (await sessionClaims())?.sid);
  await signOut({ redirect: false });
}

/**
 * For pages: sends a visitor without a valid session to the login page, which returns them here
 * after signing in; a user who still owes the required second factor goes to enrol.
 */
export async function requireUser(): Promise<User> {
  const user = await currentUser();
  if (user) return user;
  if (await signedInUser()) redirect('/login/two-factor');
  redirect(loginUrlFor((await headers()).get(REQUEST_PATH_HEADER)));
}

/** For pages: a signed-in user without the role gets the 403 page, and the denial is audited. */
export async function requireRole(role: Role, page: string): Promise<User> {
  const user = await requireUser();
  if (!hasRole(user.role, role)) {
    await recordAudit(db(), {
      actor: user,
      action: 'page.view',
      target: page,
      outcome: 'denied',
      reason: `requires ${role}, has ${user.role}`,
      ip: await clientIp(),
    });
    forbidden();
  }
  return user;
}

import { z } from 'zod';
import type { Db } from '@/db';
import { findRelease } from '@/db/queries/releases';
import type { Release, User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { type SessionClaims, userForSession } from '@/lib/auth/session-store';

/** What the check needs from the request; injected so it is tested without Next. */
export type WatchDeps = { db: Db; currentUser(): Promise<User | null>; ip: string | null };

export type WatchAccess = { ok: true; user: User; release: Release } | { ok: false; response: Response };
export type FollowAccess<T> = { ok: true; user: User; target: T } | { ok: false; response: Response };

const deny = (status: 401 | 404, error: string): { ok: false; response: Response } => ({
  ok: false,
  response: Response.json({ error }, { status, headers: { 'Cache-Control': 'no-store' } }),
});

/**
 * The release log's own authorization (a route handler is its own boundary): any signed-in
 * role may follow a release, viewers included. Signed out is 401, audited like every denial;
 * an unknown or malformed id is 404, checked only after the session so it reveals nothing.
 */
export async function authorizeWatch(deps: WatchDeps, rawId: string): Promise<WatchAccess> {
  const access = await authorizeFollow(deps, rawId, { kind: 'release', find: findRelease });
  return access.ok ? { ok: true, user: access.user, release: access.target } : access;
}

/**
 * The same rule for anything followed live (a release, a provision or configure run, whose
 * audit action is "<kind>.watch"): signed out is 401 and audited, unknown or malformed is 404.
 */
export async function authorizeFollow<T>(
  deps: WatchDeps,
  rawId: string,
  what: { kind: string; find(db: Db, id: string): Promise<T | undefined> },
): Promise<FollowAccess<T>> {
  const id = z.uuid().safeParse(rawId);
  const user = await deps.currentUser();
  if (!user) {
    await recordAudit(deps.db, {
      action: `${what.kind}.watch`,
      target: id.success ? `${what.kind}:${id.data}` : undefined,
      outcome: 'denied',
      reason: 'not signed in',
      ip: deps.ip,
    });
    return deny(401, `Sign in to follow this ${what.kind}.`);
  }
  const target = id.success ? await what.find(deps.db, id.data) : undefined;
  if (!target) return deny(404, `No such ${what.kind}.`);
  return { ok: true, user, target };
}

/**
 * Re-read during a long stream: the same rule as currentUser(), on the session the stream was
 * opened with, so a logout, a disabled account or a changed password ends the stream too.
 */
export async function sessionStillValid(db: Db, claims: SessionClaims | null): Promise<boolean> {
  return (await userForSession(db, claims)) !== null;
}

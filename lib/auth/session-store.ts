import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '@/db';
import { deleteExpiredSessions, findLiveSessionUser, insertSession, revokeSession } from '@/db/queries/sessions';
import type { User } from '@/db/schema';

/** What the session JWT says about itself, as currentUser() reads it. */
export type SessionClaims = { uid?: unknown; sv?: unknown; sid?: unknown };

const sid = z.uuid();

/**
 * Records a sign-in and returns its id for the JWT. Expired rows go at the same time: sign-ins
 * are the only thing that adds rows, so the table stays about as large as the sessions of the
 * last `maxAgeMs`, with no timer of its own.
 */
export async function startSession(db: Db, userId: number, maxAgeMs: number, now = new Date()): Promise<string> {
  await deleteExpiredSessions(db, now);
  const id = randomUUID();
  await insertSession(db, { id, userId, expiresAt: new Date(now.getTime() + maxAgeMs) });
  return id;
}

/** Logout: this session only; the user's other sessions go on. Idempotent. */
export async function endSession(db: Db, id: unknown, now = new Date()): Promise<void> {
  const parsed = sid.safeParse(id);
  if (parsed.success) await revokeSession(db, parsed.data, now);
}

/**
 * The user a session JWT stands for, or null: its session row must be live (not logged out, not
 * past its sign-in's 12 h), belong to the same user, and the user must be enabled with the
 * session version the token was issued under (a password change or disable ends every session).
 * A token without a session id (minted before sessions were recorded, or forged with a leaked
 * secret) is refused.
 */
export async function userForSession(db: Db, claims: SessionClaims | null, now = new Date()): Promise<User | null> {
  const id = sid.safeParse(claims?.sid);
  if (!id.success || typeof claims?.uid !== 'number') return null;
  const user = await findLiveSessionUser(db, id.data, now);
  if (!user || user.id !== claims.uid || user.disabledAt || user.sessionVersion !== claims.sv) return null;
  return user;
}

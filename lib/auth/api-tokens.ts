import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '@/db';
import { findApiTokenByHash, insertApiToken, touchApiToken } from '@/db/queries/api-tokens';
import type { ApiToken, User } from '@/db/schema';
import { ROLES, type Role } from '@/lib/model/roles';
import { ActionError } from './action-core';
import { hasRole } from './roles';
import { trimmedLine } from '@/lib/model/text';

/**
 * Personal API tokens: `berth_` and 43 base64url characters (256 random bits). The prefix
 * makes a leaked token easy to find by secret scanners; only its SHA-256 is stored.
 */
const TOKEN_PATTERN = /^berth_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export const EXPIRY_DAYS = ['30', '90', '365', 'never'] as const;

export const newTokenInput = z.object({
  name: trimmedLine(80).min(1, 'Name the token'),
  role: z.enum(ROLES, { error: 'Choose a role' }),
  expiresIn: z.enum(EXPIRY_DAYS, { error: 'Choose when it expires' }).default('90'),
});

/** Creates a token for `owner`; the returned text is the only time the token exists outside its hash. */
export async function createApiToken(
  db: Db,
  owner: User,
  input: z.output<typeof newTokenInput>,
  now = new Date(),
): Promise<{ token: ApiToken; text: string }> {
  if (!hasRole(owner.role, input.role))
    throw new ActionError(`A token's role is at most your own (${owner.role}).`, { role: [`At most ${owner.role}`] });
  const text = `berth_${randomBytes(32).toString('base64url')}`;
  const expiresAt = input.expiresIn === 'never' ? null : new Date(now.getTime() + Number(input.expiresIn) * 86_400_000);
  const token = await insertApiToken(db, {
    userId: owner.id,
    name: input.name,
    role: input.role,
    tokenHash: tokenHash(text),
    prefix: text.slice(0, PREFIX_LENGTH),
    expiresAt,
  });
  return { token, text };
}

export type TokenAuth =
  | { ok: true; user: User; token: ApiToken }
  /** `token` is set when the token was found (revoked, expired, owner disabled): the audit row may name it. */
  | { ok: false; reason: string; token?: ApiToken; user?: User };

/** The lower of two roles: a token acts with its own role, never above its owner's role today. */
function lowerRole(a: Role, b: Role): Role {
  return hasRole(a, b) ? b : a;
}

/** Why a token found in the database may not act now (null: it may); also re-checked during a long stream. */
export function tokenRefusal(token: ApiToken, owner: User | undefined, now = new Date()): string | null {
  if (token.revokedAt) return 'token revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'token expired';
  if (!owner || owner.disabledAt) return 'token owner disabled';
  return null;
}

/**
 * Who an `Authorization: Bearer …` header speaks for. A token found but unusable says why (for
 * the audit row); the answer to the caller is the same 401 whatever the reason.
 */
export async function authenticateToken(db: Db, header: string | null, ip: string | null, now = new Date()): Promise<TokenAuth> {
  if (!header) return { ok: false, reason: 'no token' };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match || !TOKEN_PATTERN.test(match[1]!)) return { ok: false, reason: 'malformed token' };
  const found = await findApiTokenByHash(db, tokenHash(match[1]!));
  if (!found) return { ok: false, reason: 'unknown token' };
  const { token, user } = found;
  const refusal = tokenRefusal(token, user, now);
  if (refusal) return { ok: false, reason: refusal, token, user };
  await touchApiToken(db, token.id, ip);
  return { ok: true, token, user: { ...user, role: lowerRole(token.role, user.role) } };
}

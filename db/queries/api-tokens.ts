import { and, desc, eq, getTableColumns, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, users, type ApiToken, type NewApiToken, type User } from '../schema';

export async function insertApiToken(db: Db, token: NewApiToken): Promise<ApiToken> {
  const [row] = await db.insert(apiTokens).values(token).returning();
  return row!;
}

/** A user's tokens, newest first (the hash is never needed by a list). */
export async function apiTokensOf(db: Db, userId: number): Promise<Omit<ApiToken, 'tokenHash'>[]> {
  const { tokenHash: _hash, ...columns } = getTableColumns(apiTokens);
  return db.select(columns).from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
}

/** The token with this hash and its owner, if both exist. */
export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, tokenHash));
  return row && { token: row.api_tokens, user: row.users };
}

export async function findApiToken(db: Db, id: string): Promise<ApiToken | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

/** Revokes one of the user's own tokens; false when there is no such live token. */
export async function revokeApiToken(db: Db, id: string, userId: number): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

export async function touchApiToken(db: Db, id: string, ip: string | null): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: new Date(), lastUsedIp: ip }).where(eq(apiTokens.id, id));
}

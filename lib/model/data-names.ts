/**
 * The names an app's data services get on its data server, derived from its slug, and the
 * credentials a configure run carries in memory (opened from app_env_values, never stored plain).
 * The renderers (lib/recipes/configure/postgres-sql.ts, redis-acl.ts) check these names again.
 */
const SLUG = /^[a-z][a-z0-9-]{0,31}$/;

export function dataServiceNames(slug: string) {
  if (!SLUG.test(slug)) throw new Error(`not an app slug: ${JSON.stringify(slug)}`);
  // Dashes would need quoting in SQL and in every psql session the app's developers open.
  const database = `app_${slug.replaceAll('-', '_')}`;
  return { database, role: database, redisUser: `berth-${slug}`, redisPrefix: `${slug}:` };
}

export type DataServiceNames = ReturnType<typeof dataServiceNames>;

/** Where the app reaches its data services: on the data server itself. */
export const DATA_HOSTS = { postgres: { host: '127.0.0.1', port: 5432 }, redis: { host: '127.0.0.1', port: 6379 } } as const;

export type DataCredentials = {
  postgres?: { database: string; role: string; password: string };
  /** No password: Berth found no ACLs in the data server's Redis (< 6), so there is no user to log in as. */
  redis?: { user: string; prefix: string; password?: string };
};

/** Laravel's names, so a Laravel app needs no mapping. Passwords are generated once; the rest follow the slug. */
export const POSTGRES_KEYS = ['DB_CONNECTION', 'DB_HOST', 'DB_PORT', 'DB_DATABASE', 'DB_USERNAME', 'DB_PASSWORD'] as const;
export const REDIS_KEYS = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_PREFIX'] as const;
export const SECRET_KEYS = new Set(['DB_PASSWORD', 'REDIS_PASSWORD']);
/** Only for a Redis with ACLs (6 and later): without them there is no user to log in as. */
export const REDIS_USER_KEYS = ['REDIS_USERNAME', 'REDIS_PASSWORD'] as const;

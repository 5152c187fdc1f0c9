import { randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import { insertMissingEnvValues, openEnvValues, upsertEnvValues } from '@/db/queries/env-values';
import type { App, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { DATA_HOSTS, POSTGRES_KEYS, REDIS_KEYS, dataServiceNames, type DataCredentials } from './data-names';

/** 24 random bytes as base64url: 32 characters of [A-Za-z0-9_-], nothing any shell, SQL or Redis parser treats specially. */
export const generatePassword = () => randomBytes(24).toString('base64url');

/**
 * The server that holds the app's database and Redis user: its first web server by name (the
 * app is placed on at least one), or its first server when none serves web. Deterministic, so
 * every configure run agrees without storing the choice.
 */
export async function dataServerOf(db: Db, appId: string): Promise<Server | undefined> {
  const placements = await placementsOfApp(db, appId);
  return (placements.find((p) => p.roles.includes('web')) ?? placements[0])?.server;
}

export const isDataServer = async (db: Db, appId: string, serverId: string) => (await dataServerOf(db, appId))?.id === serverId;

/**
 * Makes sure the app's managed env values exist for the services it has turned on, sealed in
 * app_env_values, and returns the credentials in plaintext for this run only. Passwords are made
 * once, before anything runs on a server, so a retry or another server reuses them. A service
 * turned off keeps its values (and its database): nothing is dropped without someone asking.
 */
export async function ensureDataCredentials(db: Db, ring: KeyRing, app: App): Promise<DataCredentials> {
  const { postgres, redis } = app.config.dataServices;
  if (!postgres && !redis) return {};
  const names = dataServiceNames(app.config.slug);
  const fixed: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  if (postgres) {
    Object.assign(fixed, { DB_CONNECTION: 'pgsql', DB_HOST: DATA_HOSTS.postgres.host, DB_PORT: String(DATA_HOSTS.postgres.port), DB_DATABASE: names.database, DB_USERNAME: names.role });
    secrets.DB_PASSWORD = generatePassword();
  }
  if (redis) {
    Object.assign(fixed, { REDIS_HOST: DATA_HOSTS.redis.host, REDIS_PORT: String(DATA_HOSTS.redis.port), REDIS_USERNAME: names.redisUser, REDIS_PREFIX: names.redisPrefix });
    secrets.REDIS_PASSWORD = generatePassword();
  }
  await insertMissingEnvValues(db, ring, app.id, secrets, true);
  const keys = [...(postgres ? POSTGRES_KEYS : []), ...(redis ? REDIS_KEYS : [])];
  const stored = await openEnvValues(db, ring, app.id, keys);
  // An emptied password is made again; other values follow the slug and Berth's defaults.
  const stale = Object.fromEntries(
    Object.entries({ ...fixed, ...secrets }).filter(([key, value]) => (key in secrets ? !stored[key] : stored[key] !== value)),
  );
  await upsertEnvValues(db, ring, app.id, stale, true);
  const value = (key: string) => stale[key] ?? stored[key]!;
  return {
    ...(postgres && { postgres: { database: names.database, role: names.role, password: value('DB_PASSWORD') } }),
    ...(redis && { redis: { user: names.redisUser, prefix: names.redisPrefix, password: value('REDIS_PASSWORD') } }),
  };
}

import { randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import { writeManagedEnv } from '@/lib/env/store';
import { deleteManagedEnvValues, insertMissingEnvValues, openEnvValues, upsertEnvValues } from '@/db/queries/env-values';
import { latestTaskSummaries } from '@/db/queries/runs';
import { getSetting, putSettingIfMissing } from '@/db/queries/settings';
import type { App, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { warningOf } from '@/lib/recipes/configure/data-warnings';
import { DATA_HOSTS, POSTGRES_KEYS, REDIS_KEYS, REDIS_USER_KEYS, dataServiceNames, type DataCredentials } from '@/lib/model/data-names';

/** 24 random bytes as base64url: 32 characters of [A-Za-z0-9_-], nothing any shell, SQL or Redis parser treats specially. */
export const generatePassword = () => randomBytes(24).toString('base64url');

/**
 * The settings row that pins an app's data server. Not an env value: it is Berth's, not the
 * app's, and must never reach the app's .env; and reading it needs no key ring.
 */
export const dataServerKey = (appId: string) => `app-data-server:${appId}`;

export type DataServer = { server?: Server; pinned: boolean; gone: boolean };

/**
 * The server that holds the app's database and Redis user. The first configure that makes the
 * app's credentials pins it, and from then on placements never move it: the data is there.
 * Before that it is the server that would be pinned: the first web server by name, or the
 * first server when none serves web. `gone`: the pinned server no longer serves the app.
 */
export async function dataServerOf(db: Db, appId: string): Promise<DataServer> {
  const [placements, pinned] = await Promise.all([placementsOfApp(db, appId), getSetting(db, dataServerKey(appId))]);
  if (pinned) {
    const server = placements.find((p) => p.server.id === pinned)?.server;
    return { server, pinned: true, gone: !server };
  }
  return { server: (placements.find((p) => p.roles.includes('web')) ?? placements[0])?.server, pinned: false, gone: false };
}

export const isDataServer = async (db: Db, appId: string, serverId: string) => (await dataServerOf(db, appId)).server?.id === serverId;

/** Two runs racing to pin agree: the first writer's server stays. */
async function pinDataServer(db: Db, appId: string): Promise<void> {
  const { server, pinned } = await dataServerOf(db, appId);
  if (!pinned && server) await putSettingIfMissing(db, dataServerKey(appId), server.id);
}

/**
 * Makes sure the app's managed env values exist for the services it has turned on, sealed in
 * app_env_values, and returns the credentials in plaintext for this run only. Passwords are made
 * once, before anything runs on a server, so a retry or another server reuses them. Each key is
 * written only when missing, so a value corrected by hand stays. REDIS_USERNAME/REDIS_PASSWORD
 * come with the first Redis keys only: the job removes them where Redis has no ACLs
 * (recordRedisAcl), and they must not come back. A service turned off keeps its values (and its
 * database): nothing is dropped without someone asking.
 */
export async function ensureDataCredentials(db: Db, ring: KeyRing, app: App): Promise<DataCredentials> {
  const { postgres, redis } = app.config.dataServices;
  if (!postgres && !redis) return {};
  await pinDataServer(db, app.id);
  const names = dataServiceNames(app.config.slug);
  const keys = [...(postgres ? POSTGRES_KEYS : []), ...(redis ? REDIS_KEYS : [])];
  let stored: Record<string, string> = {};
  await writeManagedEnv(db, ring, app.id, async (tx) => {
    const before = await openEnvValues(tx, ring, app.id, keys);
    const wanted: Record<string, string> = {};
    if (postgres) {
      Object.assign(wanted, {
        DB_CONNECTION: 'pgsql',
        DB_HOST: DATA_HOSTS.postgres.host,
        DB_PORT: String(DATA_HOSTS.postgres.port),
        DB_DATABASE: names.database,
        DB_USERNAME: names.role,
      });
      wanted.DB_PASSWORD = generatePassword();
    }
    if (redis) {
      Object.assign(wanted, {
        REDIS_HOST: DATA_HOSTS.redis.host,
        REDIS_PORT: String(DATA_HOSTS.redis.port),
        REDIS_PREFIX: names.redisPrefix,
      });
      if (!('REDIS_HOST' in before)) Object.assign(wanted, { REDIS_USERNAME: names.redisUser, REDIS_PASSWORD: generatePassword() });
    }
    await insertMissingEnvValues(tx, ring, app.id, wanted, true);
    stored = await openEnvValues(tx, ring, app.id, keys);
    // An emptied database password is made again: the role cannot go without one.
    if (postgres && !stored.DB_PASSWORD) {
      stored.DB_PASSWORD = generatePassword();
      await upsertEnvValues(tx, ring, app.id, { DB_PASSWORD: stored.DB_PASSWORD }, true);
    }
  });
  return {
    ...(postgres && { postgres: { database: names.database, role: names.role, password: stored.DB_PASSWORD! } }),
    ...(redis && {
      redis: { user: names.redisUser, prefix: names.redisPrefix, ...(stored.REDIS_PASSWORD && { password: stored.REDIS_PASSWORD }) },
    }),
  };
}

/**
 * After a configure run, what its redis task found (ctx.redisAcl): without ACLs (Redis < 6) the
 * app's REDIS_USERNAME/REDIS_PASSWORD name a user that cannot exist, and would make its AUTH
 * fail, so they go; with ACLs and no password (Redis upgraded, or the pair deleted), a new pair
 * is made for the next configure to create the user with.
 */
export async function recordRedisAcl(db: Db, ring: KeyRing, app: App, acl: boolean | undefined): Promise<void> {
  if (acl === undefined || !app.config.dataServices.redis) return;
  await writeManagedEnv(db, ring, app.id, async (tx) => {
    if (!acl) return deleteManagedEnvValues(tx, app.id, REDIS_USER_KEYS);
    const stored = await openEnvValues(tx, ring, app.id, REDIS_USER_KEYS);
    const missing: Record<string, string> = {};
    if (!stored.REDIS_USERNAME) missing.REDIS_USERNAME = dataServiceNames(app.config.slug).redisUser;
    if (!stored.REDIS_PASSWORD) missing.REDIS_PASSWORD = generatePassword();
    await upsertEnvValues(tx, ring, app.id, missing, true);
  });
}

/** The warnings (data-warnings.ts) of the latest database and redis tasks on the app's data server, for its card. */
export async function dataServiceWarnings(db: Db, appId: string, serverId: string): Promise<string[]> {
  const summaries = await latestTaskSummaries(db, appId, serverId, 'configure', ['database', 'redis']);
  return [summaries.database, summaries.redis].map(warningOf).filter((w): w is string => !!w);
}

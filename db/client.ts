import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The raw connection; the one thing shared between the custom server and Next's bundles. */
export type DbClient = { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; pool: Pool };

const MIGRATIONS_DIR = path.join(process.cwd(), 'drizzle');

export async function openClient(opts: { databaseUrl?: string; pgliteDir?: string }): Promise<DbClient> {
  if (opts.databaseUrl) {
    const pool = new Pool({ connectionString: opts.databaseUrl, max: 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the panel;
    // the pool replaces it on the next query.
    pool.on('error', (err) => console.warn(`berth: postgres connection lost: ${err.message}`));
    await pool.query('select 1'); // fail at start-up, not at the first request
    return { kind: 'postgres', pool };
  }
  // undefined → in memory (tests); PGlite does not create parent directories itself.
  if (opts.pgliteDir) fs.mkdirSync(opts.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(opts.pgliteDir);
  return { kind: 'pglite', pglite };
}

const wrapped = new WeakMap<object, Db>();

export function drizzleFor(client: DbClient): Db {
  const raw = client.kind === 'pglite' ? client.pglite : client.pool;
  let db = wrapped.get(raw);
  if (!db) {
    db = (client.kind === 'pglite' ? drizzlePglite(client.pglite, { schema }) : drizzlePg(client.pool, { schema })) as unknown as Db;
    wrapped.set(raw, db);
  }
  return db;
}

export async function migrateClient(client: DbClient, migrationsFolder = MIGRATIONS_DIR): Promise<void> {
  if (client.kind === 'pglite') await migratePglite(drizzlePglite(client.pglite), { migrationsFolder });
  else await migratePg(drizzlePg(client.pool), { migrationsFolder });
}

export async function closeClient(client: DbClient): Promise<void> {
  if (client.kind === 'pglite') await client.pglite.close();
  else await client.pool.end();
}

import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { closeClient, drizzleFor, migrateClient, openClient, type Db, type DbClient } from './client';

export type TestDb = { db: Db; client: DbClient; backend: 'pglite' | 'postgres'; close(): Promise<void> };

/** A new, empty database on the server named by DATABASE_URL; `drop()` removes it. */
export async function freshPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `berth_t_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: baseUrl, max: 1 });
  await admin.query(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on
 * the server named by DATABASE_URL (dropped afterwards), so the same suite proves both backends.
 */
export async function createTestDb(): Promise<TestDb> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    const client = await openClient({});
    await migrateClient(client);
    return { db: drizzleFor(client), client, backend: 'pglite', close: () => closeClient(client) };
  }
  const database = await freshPostgresDatabase(baseUrl);
  const client = await openClient({ databaseUrl: database.url });
  await migrateClient(client);
  return {
    db: drizzleFor(client),
    client,
    backend: 'postgres',
    async close() {
      await closeClient(client);
      await database.drop();
    },
  };
}

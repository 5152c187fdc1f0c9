import { scratchDatabase } from '@/scripts/lib/scratch-db.mjs';
import { closeClient, drizzleFor, migrateClient, openClient, type Db, type DbClient } from '@/db/client';

export type TestDb = { db: Db; client: DbClient; backend: 'pglite' | 'postgres'; close(): Promise<void> };

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
  const database = await scratchDatabase(baseUrl, 'berth_t');
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

/** A new, empty database on the server named by DATABASE_URL; `drop()` removes it. */
export function freshPostgresDatabase(baseUrl: string) {
  return scratchDatabase(baseUrl, 'berth_t');
}

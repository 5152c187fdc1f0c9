import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { scratchDatabase } from '@/scripts/lib/scratch-db.mjs';
import { closeClient, drizzleFor, migrateClient, openClient, type Db, type DbClient } from '@/db/client';

export type TestDb = { db: Db; client: DbClient; backend: 'pglite' | 'postgres'; close(): Promise<void> };

const MIGRATIONS = path.join(process.cwd(), 'drizzle');

/**
 * Names the migrated template after what it is made of: every migration file and the PGlite
 * version (its data-dir format). A changed migration gives a new name, so a stale template is
 * never reused, and no run has to clean up after another.
 */
function templateKey(): string {
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(MIGRATIONS, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(MIGRATIONS, file);
    if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
  }
  const pgliteVersion = JSON.parse(
    fs.readFileSync(path.join(process.cwd(), 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ).version;
  return hash.update(pgliteVersion).digest('hex').slice(0, 16);
}

/**
 * A migrated PGlite data directory, made once per machine and migration set, then loaded by every
 * test file: initdb plus the migrations cost ~3-6 s per file on 2 cores, loading the dump ~1-2 s.
 * Written to a temporary name and renamed, so concurrent workers never read half a file.
 */
async function pgliteTemplate(): Promise<Blob> {
  const file = path.join(os.tmpdir(), `berth-test-pglite-${templateKey()}.tar`);
  if (!fs.existsSync(file)) {
    const client = await openClient({});
    await migrateClient(client);
    if (client.kind !== 'pglite') throw new Error('unreachable: in-memory client is PGlite');
    const dump = await client.pglite.dumpDataDir('none');
    await closeClient(client);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, file);
  }
  return new Blob([fs.readFileSync(file)]);
}

/**
 * A migrated template database on the Postgres server, made once (under an advisory lock, so
 * parallel workers wait for the first one) and copied by `CREATE DATABASE … TEMPLATE`.
 */
async function postgresTemplate(admin: pg.Client, baseUrl: string): Promise<string> {
  const name = `berth_tpl_${templateKey()}`;
  await admin.query('select pg_advisory_lock(7320451)');
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return name;
    const stale = await admin.query("select datname from pg_database where datname like 'berth_tpl_%'");
    for (const row of stale.rows) await admin.query(`drop database if exists ${row.datname} with (force)`);
    const scratch = await scratchDatabase(baseUrl, 'berth_tplmake');
    const client = await openClient({ databaseUrl: scratch.url });
    await migrateClient(client);
    await closeClient(client);
    // Renamed only once complete: a template that exists is a migrated one.
    await admin.query(`alter database ${new URL(scratch.url).pathname.slice(1)} rename to ${name}`);
    await scratch.drop(); // drops nothing now (the name moved); closes its admin connection
    return name;
  } finally {
    await admin.query('select pg_advisory_unlock(7320451)');
  }
}

/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on
 * the server named by DATABASE_URL (dropped afterwards), so the same tests prove both backends.
 * Both are copies of one migrated template; boot's tests still migrate an empty database.
 */
export async function createTestDb(): Promise<TestDb> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    const pglite = await PGlite.create({ loadDataDir: await pgliteTemplate() });
    const client: DbClient = { kind: 'pglite', pglite };
    return { db: drizzleFor(client), client, backend: 'pglite', close: () => closeClient(client) };
  }
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const template = await postgresTemplate(admin, baseUrl);
    const name = `berth_t_${randomBytes(5).toString('hex')}`;
    await admin.query(`create database ${name} template ${template}`);
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    const client = await openClient({ databaseUrl: url.toString() });
    return {
      db: drizzleFor(client),
      client,
      backend: 'postgres',
      async close() {
        await closeClient(client);
        const dropper = new pg.Client({ connectionString: baseUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  } finally {
    await admin.end();
  }
}

/** A new, empty database on the server named by DATABASE_URL; `drop()` removes it. */
export function freshPostgresDatabase(baseUrl: string) {
  return scratchDatabase(baseUrl, 'berth_t');
}

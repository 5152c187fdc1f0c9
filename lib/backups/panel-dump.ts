import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { runLocal } from '@/lib/remote/local-process';

/**
 * Dumping and loading the panel's own database (issue 17 item 7).
 * - PGlite: `dumpDataDir()`, PGlite's own tool: a tar of its data directory. Debian's pg_dump 15
 *   cannot dump PGlite's newer Postgres, and @electric-sql/pglite-tools (its WASM pg_dump) pins
 *   pglite 0.5.8 exactly while Berth runs 0.5.17 (npm view, 2026-12-07), so it is not an option.
 *   The tar holds `<data dir>/pglite/` only: master.key and auth.secret sit beside it in the data
 *   directory, never inside it, so they are never in a dump.
 * - Postgres: `pg_dump -Fc` with the newest pg_dump installed, refused when it is older than the
 *   server (pg_dump 15 cannot dump 16+). Connection details travel as PG* variables and the
 *   password in a 0600 passfile, never in argv.
 */

export type DumpFormat = 'pglite-datadir' | 'pg_dump-custom';
export type DumpInfo = { format: DumpFormat; file: string; serverVersion: string; tool: string; pauseMs?: number };

/**
 * The live instance of a running panel. PGlite's query() and transaction() both take its
 * transaction lock, so holding it means no transaction is half done; dumpDataDir then takes the
 * query lock itself. The panel's queries wait for as long as the tar takes (pauseMs), nothing
 * else changes. A CHECKPOINT first writes the pages out, so the tar needs little WAL replay.
 * (Never call pglite.query inside the lock: it would wait for itself.)
 */
export async function dumpPglite(pglite: PGlite, file: string): Promise<DumpInfo> {
  await pglite.query('checkpoint');
  const started = Date.now();
  const blob = await pglite._runExclusiveTransaction(() => pglite.dumpDataDir('none'));
  const pauseMs = Date.now() - started;
  fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()), { mode: 0o600 });
  const version = await pglite.query<{ v: string }>('show server_version');
  return { format: 'pglite-datadir', file, serverVersion: version.rows[0]!.v, tool: `pglite ${pgliteVersion()}`, pauseMs };
}

/** Opens a data directory built from a dump; the caller checks the key and closes it. */
export async function loadPgliteDump(file: string, pgliteDir: string): Promise<PGlite> {
  fs.mkdirSync(pgliteDir, { recursive: true, mode: 0o700 });
  return PGlite.create(pgliteDir, { loadDataDir: new Blob([fs.readFileSync(file)]) });
}

export function pgliteVersion(): string {
  const pkg = path.join(process.cwd(), 'node_modules/@electric-sql/pglite/package.json');
  try {
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export async function dumpPostgres(databaseUrl: string, file: string, workDir: string): Promise<DumpInfo> {
  const serverVersion = await postgresVersion(databaseUrl);
  const tool = await postgresTool('pg_dump', serverVersion.major);
  await runLocal(tool.path, ['--format=custom', '--file', file], { env: pgEnv(databaseUrl, workDir), timeoutMs: 60 * 60_000 });
  fs.chmodSync(file, 0o600);
  return { format: 'pg_dump-custom', file, serverVersion: serverVersion.text, tool: `pg_dump ${tool.major}` };
}

/** Into an empty database (refused otherwise): owners and grants are the new server's, as the panel's role. */
export async function restorePostgres(databaseUrl: string, file: string, workDir: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const used = await client.query<{ n: string }>(
      "select count(*) as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    );
    if (Number(used.rows[0]!.n) > 0)
      throw new Error(`The database ${new URL(databaseUrl).pathname.slice(1)} is not empty: restore a panel into a new, empty database`);
  } finally {
    await client.end();
  }
  const tool = await postgresTool('pg_restore', (await postgresVersion(databaseUrl)).major);
  const env = pgEnv(databaseUrl, workDir);
  await runLocal(tool.path, ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', env.PGDATABASE!, file], {
    env,
    timeoutMs: 60 * 60_000,
  });
}

async function postgresVersion(databaseUrl: string): Promise<{ major: number; text: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ num: string; text: string }>(
      "select current_setting('server_version_num') as num, current_setting('server_version') as text",
    );
    return { major: Math.floor(Number(r.rows[0]!.num) / 10000), text: r.rows[0]!.text };
  } finally {
    await client.end();
  }
}

/** The newest pg_dump/pg_restore Debian installed (/usr/lib/postgresql/<major>/bin); older than the server is refused. */
async function postgresTool(name: 'pg_dump' | 'pg_restore', serverMajor: number): Promise<{ path: string; major: number }> {
  const root = '/usr/lib/postgresql';
  const majors = (fs.existsSync(root) ? fs.readdirSync(root) : [])
    .map(Number)
    .filter((m) => Number.isInteger(m) && fs.existsSync(path.join(root, String(m), 'bin', name)))
    .sort((a, b) => b - a);
  const newest = majors[0];
  if (newest === undefined) throw new Error(`${name} is not installed: apt-get install postgresql-client`);
  if (newest < serverMajor)
    throw new Error(
      `${name} ${newest} cannot handle the panel's Postgres ${serverMajor}: install postgresql-client-${serverMajor} (PGDG apt repository)`,
    );
  return { path: path.join(root, String(newest), 'bin', name), major: newest };
}

/** libpq's variables for a URL; the password goes to a 0600 passfile in `workDir`, not the environment. */
function pgEnv(databaseUrl: string, workDir: string): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, LANG: 'C.UTF-8' };
  env.PGHOST = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || url.searchParams.get('host') || 'localhost';
  env.PGPORT = url.port || '5432';
  env.PGUSER = decodeURIComponent(url.username) || 'postgres';
  env.PGDATABASE = decodeURIComponent(url.pathname.slice(1)) || env.PGUSER;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  if (url.password) {
    const file = path.join(workDir, `pgpass-${process.pid}-${Date.now()}`);
    const field = (s: string) => s.replace(/[\\:]/g, '\\$&');
    fs.writeFileSync(file, `*:*:*:*:${field(decodeURIComponent(url.password))}\n`, { mode: 0o600 });
    env.PGPASSFILE = file;
  } else env.PGPASSFILE = '/dev/null';
  return env as NodeJS.ProcessEnv;
}

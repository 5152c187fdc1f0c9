import { type Command, cmd, env, pipefail } from '@/lib/remote/command';
import { type AdminPsql, psqlLoad } from '../configure/database';

/**
 * The Postgres side of backups: names of the databases a drill or restore makes, the row counts
 * read from a dump, and the SQL sent to psql over stdin. Names are checked before they become
 * identifiers; table names come from the dump itself, as pg_dump quoted them.
 */

const DB_NAME = /^app_[a-z0-9_]{1,59}$/;
export function ident(name: string): string {
  if (!DB_NAME.test(name)) throw new Error(`not a Berth database name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** 8 hex characters of the run id: enough to tell a run's scratch database from another's. */
const short = (runId: string) => runId.replaceAll('-', '').slice(0, 8);
/** Digits only: Postgres folds unquoted names to lower case, and a T would need quoting everywhere. */
export const digitsStamp = (d: Date) =>
  d
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/\D/g, '');

export const scratchName = (database: string, runId: string) => `${database}_drill_${short(runId)}`;
export const restoredName = (database: string, runId: string) => `${database}_restore_${short(runId)}`;
export const keptName = (database: string, at: Date) => `${database}_before_${digitsStamp(at)}`;

/**
 * Counts rows per table from a dump's own data: `pg_restore --data-only` prints each table as
 * `COPY <table> (…) FROM stdin;`, one line per row (newlines in values are escaped, so no row is
 * ever the line `\.`), then `\.`. grep picks out those lines with their numbers, and the trailer
 * pg_dump ends every dump with (so grep always finds a line, and a cut dump is told apart); the
 * rows are the distance between a table's COPY and its `\.`. Several times faster than awk
 * reading every row, on a dump of millions of rows.
 */
const DUMP_COMPLETE = '-- PostgreSQL database dump complete';
export const countRowsInDump = (path: string): Command =>
  pipefail(
    cmd('pg_restore', '--data-only', '-f', '-', path),
    env({ LC_ALL: 'C' }, cmd('grep', '-n', '-e', '^COPY ', '-e', '^\\\\\\.$', '-e', `^${DUMP_COMPLETE}$`)),
  );

/** The grep lines (`<n>:COPY …` / `<n>:\.` / `<n>:-- … complete`) as rows per table. */
export function parseCounts(stdout: string): Record<string, number> {
  const tables: Record<string, number> = {};
  let open: { table: string; line: number } | null = null;
  let complete = false;
  for (const text of stdout.split('\n')) {
    const m = /^(\d+):(.*)$/.exec(text);
    if (!m) continue;
    const line = Number(m[1]);
    const rest = m[2]!;
    if (open) {
      // Inside a table's data only its end counts (a row may start with "COPY ").
      if (rest === '\\.') {
        tables[open.table] = line - open.line - 1;
        open = null;
      }
    } else if (rest.startsWith('COPY ')) {
      const table = /^COPY (\S+) /.exec(rest)?.[1];
      if (!table) throw new Error(`unexpected COPY line in the dump: ${rest.slice(0, 200)}`);
      open = { table, line };
    } else if (rest === DUMP_COMPLETE) complete = true;
  }
  if (open || !complete) throw new Error('the dump ends before its data does (no end-of-dump line)');
  return tables;
}

/** A table name as pg_dump wrote it: schema.table, each part plain or double-quoted. */
const PART = '(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")';
const TABLE = new RegExp(`^${PART}\\.${PART}$`);

/** One query, `table|rows` per line, for the tables a manifest lists. */
export function countSql(tables: string[]): string {
  if (tables.length === 0) return 'SELECT 1 WHERE false;\n';
  const parts = tables.map((t) => {
    if (!TABLE.test(t)) throw new Error(`not a table name from a dump: ${JSON.stringify(t)}`);
    return `SELECT '${t.replaceAll("'", "''")}', count(*) FROM ${t}`;
  });
  return `${parts.join('\nUNION ALL ')};\n`;
}

export function parseCountRows(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const i = line.lastIndexOf('|');
    if (i > 0) out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** Tables whose restored count differs from the manifest's: "table: manifest 3, restored 2". */
export function countDifferences(expected: Record<string, number>, got: Record<string, number>): string[] {
  return Object.entries(expected)
    .filter(([t, n]) => got[t] !== n)
    .map(([t, n]) => `${t}: manifest ${n}, restored ${got[t] ?? 'missing'}`);
}

/** psql as the superuser on one database, reading SQL from stdin, unaligned `a|b` output. */
export const psqlOn = (admin: AdminPsql, database: string): Command =>
  admin.client('psql', '-X', '-q', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1', '-d', database);

/**
 * A dump restored into an existing database, all or nothing. psql connects as the superuser (it
 * reads the file as root), but pg_restore's `--role` makes the script's first statement
 * `SET ROLE <app role>`: everything in the dump (CHECK constraints, index expressions and
 * defaults calling the app's functions, COPY triggers) runs as the app's role, never as the
 * superuser, and every object is owned by that role (`--no-owner`: no ALTER … OWNER as anyone
 * else). A drill drops the dump's grants too (`--no-acl`); a restore keeps them.
 */
export function restoreInto(admin: AdminPsql, dump: string, database: string, opts: { role: string; keepAcl: boolean }): Command {
  ident(opts.role);
  const flags = ['--no-owner', `--role=${opts.role}`, ...(opts.keepAcl ? [] : ['--no-acl'])];
  return pipefail(cmd('pg_restore', ...flags, '-f', '-', dump), psqlLoad(admin, database));
}

/** A database owned by the app's role (what a restore of its dump runs as), closed to everyone else. */
export const createDatabaseSql = (name: string, owner: string) =>
  `CREATE DATABASE ${ident(name)} OWNER ${ident(owner)};\nREVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(owner)};\n`;

export const dropDatabaseSql = (name: string) => `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE);\n`;

export const roleExistsSql = (role: string) => `SELECT count(*) FROM pg_roles WHERE rolname = '${ident(role).slice(1, -1)}';\n`;

/**
 * The swap: no new sessions on the live database, its sessions ended (waiting up to 5 s for them
 * to go), then both renames in one transaction. Once it has committed the app serves the
 * restored data: what follows (connections allowed again on the kept database, so an admin can
 * still look in it: afterSwapSql) is sent on its own, and its failure is only a warning.
 */
export function swapSql(live: string, restored: string, kept: string): string {
  const name = ident(live).slice(1, -1);
  const others = `FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`;
  return [
    `ALTER DATABASE ${ident(live)} ALLOW_CONNECTIONS false;`,
    `DO $$ BEGIN FOR i IN 1..50 LOOP PERFORM pg_terminate_backend(pid) ${others}; EXIT WHEN NOT EXISTS (SELECT 1 ${others}); PERFORM pg_sleep(0.1); END LOOP; END $$;`,
    'BEGIN;',
    `ALTER DATABASE ${ident(live)} RENAME TO ${ident(kept)};`,
    `ALTER DATABASE ${ident(restored)} RENAME TO ${ident(live)};`,
    'COMMIT;',
    '',
  ].join('\n');
}

/** After a failed swap the live database takes connections again; after a swap, the kept one does. */
export const allowConnectionsSql = (database: string) => `ALTER DATABASE ${ident(database)} ALLOW_CONNECTIONS true;\n`;

/** Which of the given databases exist (one name a line): whether a swap whose psql failed had committed. */
export const existingDatabasesSql = (names: string[]) =>
  `SELECT datname FROM pg_database WHERE datname IN (${names.map((n) => `'${ident(n).slice(1, -1)}'`).join(', ')}) ORDER BY 1;\n`;

/**
 * SQL that prints the SQL recreating the app's role (roles.sql), run as the superuser: built
 * from the catalog with format('%I') and quote_literal, never by filtering pg_dumpall's lines (a
 * role's own settings may hold line breaks, and a filtered line could be anything). Only what
 * Berth gives an app role comes back: LOGIN, the password verifier, connection limit, expiry and
 * the role's own settings; never SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS.
 */
export function roleSql(role: string): string {
  const name = `'${ident(role).slice(1, -1)}'`;
  return `SELECT line FROM (
SELECT 1 AS o, format('CREATE ROLE %I;', rolname) AS line FROM pg_authid WHERE rolname = ${name}
UNION ALL
SELECT 2, format('ALTER ROLE %I WITH %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS %s CONNECTION LIMIT %s', rolname,
    CASE WHEN rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END, CASE WHEN rolinherit THEN 'INHERIT' ELSE 'NOINHERIT' END, rolconnlimit)
  || CASE WHEN rolpassword IS NULL THEN '' ELSE ' PASSWORD ' || quote_literal(rolpassword) END
  || CASE WHEN rolvaliduntil IS NULL THEN '' ELSE ' VALID UNTIL ' || quote_literal(rolvaliduntil::text) END || ';'
FROM pg_authid WHERE rolname = ${name}
UNION ALL
SELECT 3, format('ALTER ROLE %I SET %I TO %s;', r.rolname, split_part(c, '=', 1), quote_literal(substr(c, strpos(c, '=') + 1)))
FROM pg_db_role_setting s JOIN pg_authid r ON r.oid = s.setrole, unnest(s.setconfig) c
WHERE r.rolname = ${name} AND s.setdatabase = 0
) q ORDER BY o;
`;
}

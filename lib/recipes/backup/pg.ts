import { type Command, cmd, env, pipefail } from '@/lib/remote/command';
import type { AdminPsql } from '../configure/database';

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

/** A dump restored as the superuser into an existing database, all or nothing (pg_restore reads the file as root). */
export function restoreInto(admin: AdminPsql, dump: string, database: string, opts: { keepOwners: boolean }): Command {
  const flags = opts.keepOwners ? [] : ['--no-owner', '--no-acl'];
  const psql = admin.client(
    'psql',
    '-X',
    '-q',
    '-w',
    '-o',
    '/dev/null',
    '-v',
    'ON_ERROR_STOP=1',
    '--single-transaction',
    '-f',
    '-',
    '-d',
    database,
  );
  return pipefail(cmd('pg_restore', ...flags, '-f', '-', dump), psql);
}

export const createDatabaseSql = (name: string, owner?: string) =>
  owner
    ? `CREATE DATABASE ${ident(name)} OWNER ${ident(owner)};\nREVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(owner)};\n`
    : `CREATE DATABASE ${ident(name)};\nREVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC;\n`;

export const dropDatabaseSql = (name: string) => `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE);\n`;

export const roleExistsSql = (role: string) => `SELECT count(*) FROM pg_roles WHERE rolname = '${ident(role).slice(1, -1)}';\n`;

/**
 * The swap: no new sessions on the live database, its sessions ended (waiting up to 5 s for them
 * to go), then both renames in one transaction. Connections are allowed again on the kept
 * database afterwards, so an admin can still look in it.
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
    `ALTER DATABASE ${ident(kept)} ALLOW_CONNECTIONS true;`,
    '',
  ].join('\n');
}

/** After a failed swap: the live database takes connections again (whichever name it has). */
export const allowConnectionsSql = (live: string) => `ALTER DATABASE ${ident(live)} ALLOW_CONNECTIONS true;\n`;

/** pg_dumpall --roles-only filtered to the app's role: its CREATE/ALTER ROLE lines (the password as a SCRAM verifier). */
export const rolesOf = (admin: AdminPsql, role: string): Command => {
  ident(role);
  return pipefail(
    admin.client('pg_dumpall', '--roles-only', '-w'),
    cmd('awk', '-v', `role=${role}`, 'index($0, "ROLE " role ";") || index($0, "ROLE " role " ")'),
  );
};

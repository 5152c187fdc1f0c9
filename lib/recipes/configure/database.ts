import { and, asUser, cmd, env, type Command } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { DATA_HOSTS } from '@/lib/model/data-names';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { DATA_SERVER_GONE, postgresTrustWarning, withWarning } from './data-warnings';
import { ensureSql, lookSql, parseLook, scramVerifier, scramVerifies } from './postgres-sql';

const PSQL = ['psql', '-X', '-q', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres'] as const;
const { host, port } = DATA_HOSTS.postgres;
const SOCKET = `/var/run/postgresql/.s.PGSQL.${port}`;
// No password and no password file: a login that works anyway is one pg_hba trusts.
const NO_PASSWORD = { PGPASSFILE: '/nonexistent/berth-no-pgpass', PGPASSWORD: '' };
const byNobody = (...args: string[]) => and(cmd('cd', '/'), asUser('nobody', env(NO_PASSWORD, cmd(...PSQL, ...args, '-U', 'postgres'))));

/** Any Postgres client program (psql, pg_dump, pg_restore) as the superuser, one way or the other. */
type AdminClient = (program: string, ...args: string[]) => Command;
const overSocket: AdminClient = (program, ...args) => and(cmd('cd', '/'), asUser('postgres', cmd(program, ...args)));
const overTcp: AdminClient = (program, ...args) => cmd(program, ...args, '-h', host, '-p', port, '-U', 'postgres');

/**
 * psql as the server's superuser, reading SQL from stdin; runuser keeps root's working directory,
 * which postgres may not enter. `trustProbe` logs in the same way as an unprivileged user
 * (nobody) without a password: if that works, so does it for every local user. `client` runs
 * another client program (pg_dump, pg_restore) the same way, for the pre-migration snapshots.
 */
export const ADMIN_PSQL = {
  socket: {
    command: overSocket(...PSQL),
    client: overSocket,
    via: 'the local socket as postgres',
    where: 'on the local socket',
    trustProbe: byNobody(),
  },
  tcp: {
    command: overTcp(...PSQL),
    client: overTcp,
    via: `${host}:${port} as postgres`,
    where: `from ${host}`,
    trustProbe: byNobody('-h', host, '-p', String(port)),
  },
};
export type AdminPsql = (typeof ADMIN_PSQL)[keyof typeof ADMIN_PSQL];

/**
 * psql as the superuser loading a SQL script from stdin into one database, all or nothing (one
 * transaction, stopping at the first error). `-o /dev/null`: a dump's own SELECTs (set_config)
 * would print result tables; errors still go to stderr. `before` runs first, in that transaction.
 */
export function psqlLoad(admin: AdminPsql, database: string, ...before: string[]): Command {
  const first = before.flatMap((sql) => ['-c', sql]);
  return admin.client(
    'psql',
    '-X',
    '-q',
    '-w',
    '-o',
    '/dev/null',
    '-v',
    'ON_ERROR_STOP=1',
    '--single-transaction',
    ...first,
    '-f',
    '-',
    '-d',
    database,
  );
}

/**
 * How Berth becomes the server's Postgres superuser. On a Debian server that is `postgres`
 * over the local socket with peer auth. Where that socket is not there (a container, or a
 * host that only reaches Postgres over TCP, like the test hosts) it falls back to TCP on
 * 127.0.0.1 as `postgres`, which works only where pg_hba trusts it or root has a ~/.pgpass.
 */
export async function adminPsql(transport: Transport): Promise<AdminPsql> {
  const installed = await transport.exec(cmd('psql', '--version'), { okExitCodes: [0, 127] });
  if (installed.code !== 0) throw new Error(`psql is not installed on ${transport.serverName}: install PostgreSQL there first`);
  const socket = (await transport.exec(cmd('test', '-S', SOCKET), { okExitCodes: [0, 1] })).code === 0;
  return socket ? ADMIN_PSQL.socket : ADMIN_PSQL.tcp;
}

async function trusted(transport: Transport, psql: AdminPsql): Promise<boolean> {
  const probe = await transport.exec(psql.trustProbe, { stdin: 'SELECT 1;\n', okExitCodes: [0, 1, 2, 3, 126, 127] });
  return probe.code === 0 && probe.stdout.trim() === '1';
}

/**
 * The app's database and the role that owns it, on the app's data server only. Other roles
 * (other apps, PUBLIC) may not connect to it. Looks first: a role whose stored verifier still
 * accepts the sealed password, and a database it owns and alone may connect to, is "unchanged".
 */
export const database: Task<ConfigureContext> = {
  name: 'database',
  async run(ctx, { transport, log }) {
    if (!ctx.app.dataServices.postgres) return unchanged('PostgreSQL is off for this app');
    if (ctx.dataServerGone) throw new Error(DATA_SERVER_GONE);
    if (!ctx.dataServer) return unchanged("the database is on the app's data server");
    const creds = ctx.dataCredentials?.postgres;
    if (!creds || creds.role !== creds.database) throw new Error('the database credentials were not prepared for this run');
    const psql = await adminPsql(transport);
    log(`admin connection: ${psql.via}`);
    const warning = (await trusted(transport, psql)) ? postgresTrustWarning(psql.where) : undefined;
    if (warning) log(warning);
    const look = parseLook((await transport.exec(psql.command, { stdin: lookSql(creds.role) })).stdout);
    const verifier = scramVerifier(creds.password);
    const { sql, did } = ensureSql(creds.role, look, scramVerifies(look.verifier, creds.password), verifier);
    if (!sql) return unchanged(withWarning(`database ${creds.database} owned by role ${creds.role}, which alone may connect`, warning));
    await transport.exec(psql.command, { stdin: sql, secrets: [creds.password, verifier, look.verifier] });
    log(did.join('\n'));
    return changed(withWarning(did.join('; '), warning));
  },
};

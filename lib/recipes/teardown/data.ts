import { dataServiceNames, DATA_HOSTS } from '@/lib/model/data-names';
import { cmd } from '@/lib/remote/command';
import { adminPsql } from '../configure/database';
import { quoteIdent, quoteLiteral } from '../configure/postgres-sql';
import { aclFileOf, hasAcl, LOOK_COMMANDS, parseLook } from '../configure/redis-acl';
import { changed, unchanged, type Task } from '../task';
import type { TeardownContext } from './context';

const CLI = cmd('redis-cli', '-h', DATA_HOSTS.redis.host, '-p', DATA_HOSTS.redis.port);

/** Ends the database's sessions (DROP refuses a database in use), then drops it and its role; both may already be gone. */
export function dropDatabaseSql(name: string): string {
  const ident = quoteIdent(name);
  return `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ${quoteLiteral(name)};
DROP DATABASE IF EXISTS ${ident};
DROP ROLE IF EXISTS ${ident};
SELECT 'dropped';
`;
}

/** ACL DELUSER answers with how many users went (0: already gone); ACL SAVE keeps that across a Redis restart. */
export function deleteRedisUserCommands(user: string, save: boolean): string {
  if (!/^berth-[a-z][a-z0-9-]{0,31}$/.test(user)) throw new Error(`not a Berth Redis user: ${JSON.stringify(user)}`);
  return [`ACL DELUSER "${user}"`, ...(save ? ['ACL SAVE'] : []), ''].join('\n');
}

/**
 * Only when the delete asked for it, and only on the app's data server: the database and role
 * (configure/database.ts) and the Redis ACL user (configure/redis.ts). Without the box ticked they stay,
 * and the summary says so.
 */
export const dataServices: Task<TeardownContext> = {
  name: 'data-services',
  async run(ctx, { transport, log }) {
    const { postgres, redis } = ctx.app.dataServices;
    if (!postgres && !redis) return unchanged('no data services');
    if (!ctx.dataServer) return unchanged("not the app's data server");
    const names = dataServiceNames(ctx.app.slug);
    if (!ctx.dropData)
      return unchanged(
        `kept (not asked): ${[postgres && `database ${names.database}`, redis && `Redis user ${names.redisUser}`].filter(Boolean).join(', ')}`,
      );
    const done: string[] = [];
    if (postgres) {
      const psql = await adminPsql(transport);
      await transport.exec(psql.command, { stdin: dropDatabaseSql(names.database) });
      done.push(`database and role ${names.database}`);
    }
    if (redis) {
      const look = (await transport.exec(CLI, { stdin: LOOK_COMMANDS })).stdout;
      const { version } = parseLook(look, transport.serverName);
      if (hasAcl(version)) {
        const out = await transport.exec(CLI, { stdin: deleteRedisUserCommands(names.redisUser, aclFileOf(look) !== '') });
        if (/^ERR/m.test(out.stdout)) throw new Error(`Redis refused: ${out.stdout.trim().split('\n')[0]}`);
        done.push(`Redis user ${names.redisUser}`);
      }
    }
    for (const what of done) log(`dropped ${what}`);
    return done.length ? changed(`dropped ${done.join(', ')}`) : unchanged('nothing to drop');
  },
};

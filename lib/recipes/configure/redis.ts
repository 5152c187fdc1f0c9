import { cmd } from '@/lib/remote/command';
import { redact } from '@/lib/remote/redact';
import { DATA_HOSTS } from '@/lib/apps/data-names';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { LOOK_COMMANDS, aclFileOf, aclRules, applyCommands, firstError, hasAcl, parseApply, parseRedisVersion, passwordHash } from './redis-acl';

/** The default user without a password, as Debian's redis-server starts; a Redis that needs AUTH is refused with a clear error. */
const CLI = cmd('redis-cli', '-h', DATA_HOSTS.redis.host, '-p', DATA_HOSTS.redis.port);

/**
 * The app's Redis ACL user, limited to keys and channels under its prefix, on the app's data
 * server only. Without an aclfile the user lives in Redis's memory: a Redis restart loses it,
 * and the next configure (which sees it missing) restores it.
 */
export const redis: Task<ConfigureContext> = {
  name: 'redis',
  async run(ctx, { transport, log }) {
    if (!ctx.app.dataServices.redis) return unchanged('Redis is off for this app');
    if (!ctx.dataServer) return unchanged("Redis is on the app's data server (its first web server)");
    const creds = ctx.dataCredentials?.redis;
    if (!creds) throw new Error('the Redis credentials were not prepared for this run');
    const installed = await transport.exec(cmd('redis-cli', '--version'), { okExitCodes: [0, 127] });
    if (installed.code !== 0) throw new Error(`redis-cli is not installed on ${transport.serverName}: install Redis there first`);
    const info = (await transport.exec(CLI, { stdin: LOOK_COMMANDS })).stdout;
    const refused = firstError(info);
    if (refused) throw new Error(`Redis on ${transport.serverName} refused Berth's admin commands: ${refused}`);
    const version = parseRedisVersion(info);
    if (!hasAcl(version)) {
      return unchanged(`Redis ${version.text} has no ACLs: the app's keys are kept apart only by the prefix ${creds.prefix}, and every client can read them`);
    }
    const aclfile = aclFileOf(info);
    const rules = aclRules(creds.user, creds.prefix, passwordHash(creds.password), version);
    const stdin = applyCommands(creds.user, rules, aclfile !== '');
    const secrets = [creds.password, passwordHash(creds.password)];
    const out = (await transport.exec(CLI, { stdin, secrets })).stdout;
    let result;
    try {
      result = parseApply(out, aclfile !== '');
    } catch (err) {
      // Redis quotes a refused rule back, and that rule carries the password hash.
      throw new Error(redact((err as Error).message, secrets));
    }
    const kept = aclfile ? `saved to ${aclfile}` : 'kept in memory only (no aclfile): a Redis restart loses it, the next configure restores it';
    log(`Redis ${version.text}; user ${creds.user}: ${kept}`);
    const what = `ACL user ${creds.user} limited to keys and channels ${creds.prefix}*`;
    return result.changed ? changed(`set ${what}; ${kept}`) : unchanged(`${what}; ${kept}`);
  },
};

import { cmd } from '@/lib/remote/command';
import { redact } from '@/lib/remote/redact';
import { DATA_HOSTS } from '@/lib/model/data-names';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { DATA_SERVER_GONE, REDIS_OPEN_WARNING, withWarning } from './data-warnings';
import { LOOK_COMMANDS, aclRules, applyCommands, hasAcl, parseApply, parseLook, passwordHash } from './redis-acl';

/** As Redis's default user, without AUTH: a Redis that needs a password there is refused with a clear error (parseLook). */
const CLI = cmd('redis-cli', '-h', DATA_HOSTS.redis.host, '-p', DATA_HOSTS.redis.port);

/**
 * The app's Redis ACL user, limited to keys and channels under its prefix, on the app's data
 * server only. Without an aclfile the user lives in Redis's memory: a Redis restart loses it,
 * and the next configure (which sees it missing) restores it. Whether Redis has ACLs goes back
 * to the job (ctx.redisAcl): without them the app gets no REDIS_USERNAME/REDIS_PASSWORD.
 */
export const redis: Task<ConfigureContext> = {
  name: 'redis',
  async run(ctx, { transport, log }) {
    if (!ctx.app.dataServices.redis) return unchanged('Redis is off for this app');
    if (ctx.dataServerGone) throw new Error(DATA_SERVER_GONE);
    if (!ctx.dataServer) return unchanged("Redis is on the app's data server");
    const creds = ctx.dataCredentials?.redis;
    if (!creds) throw new Error('the Redis credentials were not prepared for this run');
    const installed = await transport.exec(cmd('redis-cli', '--version'), { okExitCodes: [0, 127] });
    if (installed.code !== 0) throw new Error(`redis-cli is not installed on ${transport.serverName}: install Redis there first`);
    const { version, aclfile, defaultOpen } = parseLook((await transport.exec(CLI, { stdin: LOOK_COMMANDS })).stdout, transport.serverName);
    const warning = defaultOpen ? REDIS_OPEN_WARNING : undefined;
    if (warning) log(warning);
    ctx.redisAcl = hasAcl(version);
    if (!ctx.redisAcl) {
      return unchanged(
        withWarning(
          `Redis ${version.text} has no ACLs: the app's keys are kept apart only by the prefix ${creds.prefix}, and every client can read them; it gets no REDIS_USERNAME or REDIS_PASSWORD`,
          warning,
        ),
      );
    }
    if (!creds.password) {
      return unchanged(
        withWarning(
          `Redis ${version.text} has ACLs, and the app has no Redis password yet: Berth makes one now, and the next configure creates user ${creds.user}`,
          warning,
        ),
      );
    }
    const rules = aclRules(creds.user, creds.prefix, passwordHash(creds.password), version);
    const stdin = applyCommands(creds.user, rules, aclfile !== '');
    const secrets = [creds.password, passwordHash(creds.password)];
    const out = (await transport.exec(CLI, { stdin, secrets })).stdout;
    let result: ReturnType<typeof parseApply>;
    try {
      result = parseApply(out, aclfile !== '');
    } catch (err) {
      // Redis quotes a refused rule back, and that rule carries the password hash.
      throw new Error(redact((err as Error).message, secrets));
    }
    const kept = aclfile
      ? `saved to ${aclfile}`
      : 'kept in memory only (no aclfile): a Redis restart loses it, the next configure restores it';
    log(`Redis ${version.text}; user ${creds.user}: ${kept}`);
    const what = `ACL user ${creds.user} limited to keys and channels ${creds.prefix}*`;
    return result.changed ? changed(withWarning(`set ${what}; ${kept}`, warning)) : unchanged(withWarning(`${what}; ${kept}`, warning));
  },
};

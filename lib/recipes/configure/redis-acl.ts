import { createHash } from 'node:crypto';

/**
 * The Redis commands the `redis` task sends to redis-cli over stdin, one command a line. The
 * password never goes: the user gets `#<sha256>` (what `>password` stores anyway), so neither
 * the plaintext nor anything redis-cli echoes on an error can carry it.
 */
const REDIS_USER = /^berth-[a-z][a-z0-9-]{0,31}$/;
const PREFIX = /^[a-z][a-z0-9-]{0,31}:$/;
// What a rule token may hold: then double quotes need no escapes inside (redis-cli parses "…" with \ escapes).
const TOKEN = /^[A-Za-z0-9_:*#~&@|+.-]+$/;

export type RedisVersion = { major: number; minor: number; text: string };

export function parseRedisVersion(info: string): RedisVersion {
  const m = /^redis_version:(\d+)\.(\d+)\S*/m.exec(info);
  if (!m) throw new Error('could not read the Redis version from INFO server');
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0].slice('redis_version:'.length).trim() };
}

export const hasAcl = (v: RedisVersion) => v.major >= 6;
/** Pub/sub channel rules (&pattern) arrived in 6.2; FUNCTION in 7.0. */
const hasChannels = (v: RedisVersion) => v.major > 6 || (v.major === 6 && v.minor >= 2);
const hasFunctions = (v: RedisVersion) => v.major >= 7;

export const passwordHash = (password: string) => createHash('sha256').update(password, 'utf8').digest('hex');

/**
 * Everything except admin and dangerous commands (KEYS, SORT, FLUSHALL, CONFIG, CLIENT LIST, INFO,
 * MONITOR, DEBUG… in @dangerous since 6.0) on its own keys and channels. Redis does not filter
 * key NAMES by the key pattern, so whatever lists names is denied by name: SCAN and RANDOMKEY;
 * PUBSUB (it lists channel names); FUNCTION, whose libraries are shared by every user.
 */
export function aclRules(user: string, prefix: string, hash: string, version: RedisVersion): string[] {
  if (!REDIS_USER.test(user)) throw new Error(`not a Berth Redis user: ${JSON.stringify(user)}`);
  if (!PREFIX.test(prefix)) throw new Error(`not a Berth key prefix: ${JSON.stringify(prefix)}`);
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('not a SHA-256 password hash');
  return [
    'reset',
    'on',
    `#${hash}`,
    `~${prefix}*`,
    ...(hasChannels(version) ? [`&${prefix}*`] : []),
    '+@all',
    '-@admin',
    '-@dangerous',
    '-scan',
    '-randomkey',
    '-pubsub',
    ...(hasFunctions(version) ? ['-function'] : []),
  ];
}

function line(...tokens: string[]): string {
  for (const t of tokens) if (!TOKEN.test(t)) throw new Error(`not a safe redis-cli token: ${JSON.stringify(t)}`);
  return tokens.map((t) => `"${t}"`).join(' ');
}

const LOOK_MARK = 'berth-look-mark';

/** Berth's admin commands, then (after a mark, as Redis < 6 answers it with an error) the default user. */
export const LOOK_COMMANDS = [
  line('INFO', 'server'),
  line('CONFIG', 'GET', 'aclfile'),
  line('ECHO', LOOK_MARK),
  line('ACL', 'GETUSER', 'default'),
  '',
].join('\n');

export type RedisLook = { version: RedisVersion; aclfile: string; defaultOpen: boolean };

/**
 * The answer to LOOK_COMMANDS. Berth connects without AUTH, so a Redis whose default user has a
 * password refuses it (NOAUTH); otherwise the default user is open to every local user: with
 * ACLs it says `nopass`, without them (Redis < 6) getting this far means there is no requirepass.
 */
export function parseLook(output: string, serverName: string): RedisLook {
  const [admin = '', defaultUser = ''] = output.split(new RegExp(`^${LOOK_MARK}\\r?$`, 'm'));
  const refused = firstError(admin);
  if (refused?.startsWith('NOAUTH')) {
    throw new Error(
      `Redis on ${serverName} needs a password for its default user (${refused}): Berth runs redis-cli there as that user and has no Redis admin password to give (a setting for one is not offered yet). Turn Redis off in this app's settings, and make the app's ACL user by hand if it needs Redis.`,
    );
  }
  if (refused) throw new Error(`Redis on ${serverName} refused Berth's admin commands: ${refused}`);
  const version = parseRedisVersion(admin);
  const lines = defaultUser.split(/\r?\n/).map((l) => l.trim());
  const [start, end] = [lines.indexOf('flags'), lines.indexOf('passwords')];
  const flags = start < 0 ? [] : lines.slice(start + 1, end > start ? end : undefined);
  const defaultOpen = hasAcl(version) ? flags.includes('on') && flags.includes('nopass') : true;
  return { version, aclfile: aclFileOf(admin), defaultOpen };
}

/** The configured aclfile from the answer to LOOK_COMMANDS, or '' when ACLs live in memory only. */
export function aclFileOf(output: string): string {
  const lines = output.split(/\r?\n/);
  const at = lines.indexOf('aclfile');
  return at >= 0 ? (lines[at + 1] ?? '').trim() : '';
}

const MARK = 'berth-acl-mark';

/**
 * The user as it was, SETUSER, the user as it is: the task reports "changed" only when the two
 * differ. Reset and re-apply is atomic in Redis, so an unchanged user is never left half-set.
 */
export function applyCommands(user: string, rules: string[], save: boolean): string {
  return [
    line('ACL', 'GETUSER', user),
    line('ECHO', MARK),
    line('ACL', 'SETUSER', user, ...rules),
    line('ECHO', MARK),
    line('ACL', 'GETUSER', user),
    ...(save ? [line('ACL', 'SAVE')] : []),
    '',
  ].join('\n');
}

export function parseApply(output: string, save: boolean): { changed: boolean } {
  const sections = output.split(new RegExp(`^${MARK}\\r?$`, 'm'));
  if (sections.length !== 3) throw new Error(`unexpected answer from redis-cli: ${firstError(output) ?? 'no markers'}`);
  const [before, reply, after] = sections as [string, string, string];
  if (reply.trim() !== 'OK') throw new Error(`ACL SETUSER refused: ${firstError(reply) ?? 'no answer'}`);
  const afterLines = after.trimEnd().split('\n');
  if (save && afterLines.at(-1)?.trim() !== 'OK') throw new Error(`ACL SAVE failed: ${firstError(after) ?? 'no answer'}`);
  const state = save ? afterLines.slice(0, -1).join('\n') : afterLines.join('\n');
  return { changed: before.trim() !== state.trim() };
}

/** Redis error replies start with an upper-case code (ERR, NOAUTH, NOPERM, WRONGPASS…). */
export function firstError(output: string): string | undefined {
  return output
    .split('\n')
    .find((l) => /^[A-Z]{3,}\b/.test(l) && !/^OK\b/.test(l))
    ?.trim();
}

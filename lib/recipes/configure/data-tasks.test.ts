import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import type { DataCredentials } from '@/lib/model/data-names';
import { RecordingTransport } from '@/test-support/recording-transport';
import type { ConfigureContext } from './context';
import { database } from './database';
import { DATA_SERVER_GONE, REDIS_OPEN_WARNING, postgresTrustWarning, warningOf } from './data-warnings';
import { scramVerifier } from './postgres-sql';
import { redis } from './redis';

// What the database and redis tasks decide from what a server answers; data-services.integration.test.ts proves them on a host.
const PASSWORD = 'pw-pw-pw';
const ctx = (
  over: Partial<ConfigureContext> = {},
  credentials: DataCredentials = {
    postgres: { database: 'app_shop', role: 'app_shop', password: PASSWORD },
    redis: { user: 'berth-shop', prefix: 'shop:', password: PASSWORD },
  },
): ConfigureContext => ({
  app: appConfigInput.parse({ slug: 'shop', kind: 'static', domains: ['shop.test'], dataServices: { postgres: true, redis: true } }),
  server: { name: 's1', bindAddress: null, phpVersions: [] },
  roles: ['web'],
  reload: new Set(),
  dataServer: true,
  dataCredentials: credentials,
  ...over,
});
const io = (transport: RecordingTransport) => ({ transport, log: () => {}, signal: new AbortController().signal });

const OPEN_DEFAULT = 'berth-look-mark\nflags\non\nnopass\nsanitize-payload\npasswords\n\ncommands\n+@all\nkeys\n~*\n';
const LOCKED_DEFAULT = `berth-look-mark\nflags\non\nsanitize-payload\npasswords\n${'a'.repeat(64)}\ncommands\n+@all\n`;
const look = (version: string, defaultUser: string) =>
  `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\naclfile\n\n${defaultUser}`;
const USER = 'flags\non\npasswords\nabc\n';

function redisServer(lookAnswer: string) {
  return new RecordingTransport('s1', (text, call) => {
    const stdin = 'stdin' in call ? (call.stdin ?? '') : '';
    if (text === "'redis-cli' '--version'") return { stdout: 'redis-cli 7.0.15\n' };
    if (stdin.includes('"GETUSER" "default"')) return { stdout: lookAnswer };
    if (stdin.includes('"SETUSER"')) return { stdout: `berth-acl-mark\nOK\nberth-acl-mark\n${USER}` };
  });
}
const setusers = (t: RecordingTransport) => t.calls.filter((c) => c.kind === 'exec' && c.stdin?.includes('SETUSER')).length;

describe('the redis task', () => {
  it("warns in its summary when Redis's default user needs no password, and not when it has one", async () => {
    const open = await redis.run(ctx(), io(redisServer(look('7.0.15', OPEN_DEFAULT))));
    expect(open).toEqual({ changed: true, summary: expect.stringContaining(REDIS_OPEN_WARNING) });
    expect(warningOf(open.summary)).toBe(REDIS_OPEN_WARNING);
    const locked = await redis.run(ctx(), io(redisServer(look('7.0.15', LOCKED_DEFAULT))));
    expect(locked.summary).not.toContain('WARNING');
  });

  it('fails with the fix named when Redis asks for a password (NOAUTH)', async () => {
    const t = redisServer('NOAUTH Authentication required.\n'.repeat(4));
    await expect(redis.run(ctx(), io(t))).rejects.toThrow(
      /Redis on s1 needs a password for its default user \(NOAUTH Authentication required\.\).*Turn Redis off in this app's settings/,
    );
    expect(setusers(t)).toBe(0);
  });

  it('on Redis < 6 makes no user, says so, and tells the job there are no ACLs', async () => {
    const c = ctx();
    const t = redisServer(look('5.0.7', 'berth-look-mark\nERR unknown command `ACL`, with args beginning with: `GETUSER`, `default`, \n'));
    const outcome = await redis.run(c, io(t));
    expect(outcome).toEqual({
      changed: false,
      summary: expect.stringMatching(
        /^Redis 5\.0\.7 has no ACLs: .* it gets no REDIS_USERNAME or REDIS_PASSWORD\. WARNING: Redis's default user/,
      ),
    });
    expect(c.redisAcl).toBe(false);
    expect(setusers(t)).toBe(0);
  });

  it('with ACLs but no password yet (found without ACLs before), waits for the pair the job makes', async () => {
    const c = ctx({}, { redis: { user: 'berth-shop', prefix: 'shop:' } });
    const t = redisServer(look('7.0.15', OPEN_DEFAULT));
    expect((await redis.run(c, io(t))).summary).toMatch(/has ACLs, and the app has no Redis password yet/);
    expect(c.redisAcl).toBe(true);
    expect(setusers(t)).toBe(0);
  });

  it('refuses to start over on another server when the data server is gone', async () => {
    const t = redisServer(look('7.0.15', OPEN_DEFAULT));
    await expect(redis.run(ctx({ dataServer: false, dataServerGone: true }), io(t))).rejects.toThrow(DATA_SERVER_GONE);
    await expect(database.run(ctx({ dataServer: false, dataServerGone: true }), io(t))).rejects.toThrow(DATA_SERVER_GONE);
    expect(t.calls).toEqual([]);
  });
});

function postgresServer(trusts: boolean, socket = false) {
  return new RecordingTransport('s1', (text) => {
    if (text === "'psql' '--version'") return { stdout: 'psql (PostgreSQL) 15.20\n' };
    if (text.startsWith("'test' '-S'")) return { code: socket ? 0 : 1 };
    if (text.includes("'nobody'"))
      return trusts ? { stdout: '1\n' } : { code: 2, stderr: 'psql: error: fe_sendauth: no password supplied\n' };
    return { stdout: `true|app_shop|true|true|${scramVerifier(PASSWORD)}\n` };
  });
}

describe('the database task', () => {
  it('warns when Postgres lets nobody in as postgres without a password, over the path Berth uses', async () => {
    const tcp = postgresServer(true);
    const outcome = await database.run(ctx(), io(tcp));
    expect(outcome).toEqual({
      changed: false,
      summary: `database app_shop owned by role app_shop, which alone may connect. ${postgresTrustWarning('from 127.0.0.1')}`,
    });
    const probe = tcp.commands.find((c) => c.includes("'nobody'"))!;
    // As nobody, with no password and no password file: only trust lets that in.
    expect(probe).toMatch(/^'cd' '\/' && \{ 'runuser' '-u' 'nobody' '--' 'sh' '-c' /);
    for (const part of [
      'PGPASSFILE=/nonexistent/berth-no-pgpass',
      'PGPASSWORD=',
      "'\\''-h'\\'' '\\''127.0.0.1'\\''",
      "'\\''-U'\\'' '\\''postgres'\\''",
    ])
      expect(probe).toContain(part);
    expect((await database.run(ctx(), io(postgresServer(true, true)))).summary).toContain(postgresTrustWarning('on the local socket'));
  });

  it('says nothing more where pg_hba asks for a password (or peer)', async () => {
    expect((await database.run(ctx(), io(postgresServer(false)))).summary).toBe(
      'database app_shop owned by role app_shop, which alone may connect',
    );
  });
});

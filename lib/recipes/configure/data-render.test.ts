import { describe, expect, it } from 'vitest';
import { dataServiceNames } from '@/lib/model/data-names';
import { ensureSql, lookSql, parseLook, quoteIdent, quoteLiteral, scramVerifier, scramVerifies, type PostgresLook } from './postgres-sql';
import {
  LOOK_COMMANDS,
  aclFileOf,
  aclRules,
  applyCommands,
  parseApply,
  parseLook as parseRedisLook,
  parseRedisVersion,
  passwordHash,
} from './redis-acl';

const HASH = passwordHash('pw');
const v7 = parseRedisVersion('# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n');

describe('data service names', () => {
  it('derives the names from the slug, dashes as underscores in SQL', () => {
    expect(dataServiceNames('my-app')).toEqual({
      database: 'app_my_app',
      role: 'app_my_app',
      redisUser: 'berth-my-app',
      redisPrefix: 'my-app:',
    });
  });
  it.each(['My', '1x', 'a b', "x'; drop", 'a"b', 'a'.repeat(33)])('refuses %j', (slug) => {
    expect(() => dataServiceNames(slug)).toThrow(/not an app slug/);
  });
});

describe('SQL rendering', () => {
  it('quotes checked identifiers and literals, and refuses anything else', () => {
    expect(quoteIdent('app_my_app')).toBe('"app_my_app"');
    for (const bad of ['app_x"; DROP DATABASE postgres; --', 'postgres', 'app_X', 'app_']) expect(() => quoteIdent(bad)).toThrow();
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteLiteral('a\0b')).toThrow();
  });

  it('looks up by literal name, read-only', () => {
    const sql = lookSql('app_shop');
    expect(sql).toContain("WHERE rolname = 'app_shop'");
    expect(sql).not.toMatch(/\b(CREATE|ALTER|GRANT|REVOKE|DROP)\b/);
    expect(() => lookSql("app_x' OR '1'='1")).toThrow();
  });

  const fresh = parseLook('missing||false|false|\n');
  const good: PostgresLook = { role: 'ok', owner: 'app_shop', publicRevoked: true, roleConnects: true, verifier: scramVerifier('pw') };

  it('creates role and database, owned by the role, closed to PUBLIC', () => {
    const { sql, did } = ensureSql('app_shop', fresh, false, 'SCRAM-SHA-256$4096:c2FsdA==$a:b');
    expect(sql).toBe(
      [
        `CREATE ROLE "app_shop" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b';`,
        'CREATE DATABASE "app_shop" OWNER "app_shop";',
        'REVOKE ALL ON DATABASE "app_shop" FROM PUBLIC;',
        'GRANT CONNECT, TEMPORARY ON DATABASE "app_shop" TO "app_shop";',
        '',
      ].join('\n'),
    );
    expect(did).toEqual(['created role app_shop', 'created database app_shop']);
  });

  it('sends nothing when everything is as wanted, and only what differs otherwise', () => {
    expect(ensureSql('app_shop', good, true, 'v').sql).toBe('');
    expect(ensureSql('app_shop', good, false, 'v').sql).toBe(
      `ALTER ROLE "app_shop" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD 'v';\n`,
    );
    const stolen = ensureSql('app_shop', { ...good, owner: 'someone', publicRevoked: false }, true, 'v').sql;
    expect(stolen).toBe(
      'ALTER DATABASE "app_shop" OWNER TO "app_shop";\nREVOKE ALL ON DATABASE "app_shop" FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE "app_shop" TO "app_shop";\n',
    );
  });

  it('parses the look line, the verifier last', () => {
    expect(parseLook(`true|app_shop|true|true|${good.verifier}\n`)).toEqual(good);
    expect(() => parseLook('')).toThrow(/unexpected answer/);
  });

  it('makes SCRAM verifiers that accept only their password, never carrying it', () => {
    const verifier = scramVerifier('s3cret-Pass_word');
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(verifier).not.toContain('s3cret');
    expect(scramVerifies(verifier, 's3cret-Pass_word')).toBe(true);
    expect(scramVerifies(verifier, 's3cret-Pass_worD')).toBe(false);
    expect(scramVerifies(`md5${'a'.repeat(32)}`, 'x')).toBe(false);
    expect(scramVerifies('', 'x')).toBe(false);
  });
});

describe('Redis ACL rendering', () => {
  it('limits the user to its prefix and denies what lists key or channel names', () => {
    expect(aclRules('berth-shop', 'shop:', HASH, v7)).toEqual([
      'reset',
      'on',
      `#${HASH}`,
      '~shop:*',
      '&shop:*',
      '+@all',
      '-@admin',
      '-@dangerous',
      '-scan',
      '-randomkey',
      '-pubsub',
      '-function',
    ]);
  });

  it('leaves out the rules an older Redis does not know', () => {
    const v60 = parseRedisVersion('redis_version:6.0.16');
    expect(aclRules('berth-shop', 'shop:', HASH, v60)).toEqual([
      'reset',
      'on',
      `#${HASH}`,
      '~shop:*',
      '+@all',
      '-@admin',
      '-@dangerous',
      '-scan',
      '-randomkey',
      '-pubsub',
    ]);
    expect(v60).toEqual({ major: 6, minor: 0, text: '6.0.16' });
  });

  it('refuses names and hashes that could smuggle rules', () => {
    expect(() => aclRules('berth-shop allkeys', 'shop:', HASH, v7)).toThrow();
    expect(() => aclRules('default', 'shop:', HASH, v7)).toThrow();
    expect(() => aclRules('berth-shop', '*', HASH, v7)).toThrow();
    expect(() => aclRules('berth-shop', 'shop:', 'nopass', v7)).toThrow();
  });

  it('renders one quoted command a line: before, SETUSER, after, SAVE only with an aclfile', () => {
    const text = applyCommands('berth-shop', aclRules('berth-shop', 'shop:', HASH, v7), true);
    expect(text.split('\n')).toEqual([
      '"ACL" "GETUSER" "berth-shop"',
      '"ECHO" "berth-acl-mark"',
      `"ACL" "SETUSER" "berth-shop" "reset" "on" "#${HASH}" "~shop:*" "&shop:*" "+@all" "-@admin" "-@dangerous" "-scan" "-randomkey" "-pubsub" "-function"`,
      '"ECHO" "berth-acl-mark"',
      '"ACL" "GETUSER" "berth-shop"',
      '"ACL" "SAVE"',
      '',
    ]);
    expect(applyCommands('berth-shop', ['reset'], false)).not.toContain('SAVE');
  });

  it('reports changed only when the user differs before and after', () => {
    const user = 'flags\non\npasswords\nabc\n';
    expect(parseApply(`${user}berth-acl-mark\nOK\nberth-acl-mark\n${user}`, false)).toEqual({ changed: false });
    expect(parseApply(`\nberth-acl-mark\nOK\nberth-acl-mark\n${user}`, false)).toEqual({ changed: true });
    expect(parseApply(`${user}berth-acl-mark\nOK\nberth-acl-mark\n${user}OK\n`, true)).toEqual({ changed: false });
    expect(() => parseApply(`berth-acl-mark\nERR Error in ACL SETUSER modifier 'x': Syntax error\nberth-acl-mark\n`, false)).toThrow(
      /SETUSER refused: ERR Error/,
    );
    expect(() => parseApply('NOAUTH Authentication required.\n', false)).toThrow(/NOAUTH/);
  });

  it('looks at the default user after a mark, since Redis < 6 answers ACL with an error', () => {
    expect(LOOK_COMMANDS.split('\n')).toEqual([
      '"INFO" "server"',
      '"CONFIG" "GET" "aclfile"',
      '"ECHO" "berth-look-mark"',
      '"ACL" "GETUSER" "default"',
      '',
    ]);
  });

  it('finds the default user open when it is on with nopass, or when Redis < 6 let Berth in without AUTH', () => {
    const info = (version: string) => `# Server\r\nredis_version:${version}\r\naclfile\n/etc/redis/users.acl\nberth-look-mark\n`;
    expect(parseRedisLook(`${info('7.0.15')}flags\non\nnopass\npasswords\n\ncommands\n+@all\n`, 's1')).toEqual({
      version: v7,
      aclfile: '/etc/redis/users.acl',
      defaultOpen: true,
    });
    expect(parseRedisLook(`${info('7.0.15')}flags\non\npasswords\n${HASH}\ncommands\n`, 's1').defaultOpen).toBe(false);
    expect(parseRedisLook(`${info('7.0.15')}flags\noff\nnopass\npasswords\n`, 's1').defaultOpen).toBe(false);
    expect(
      parseRedisLook(`${info('5.0.7')}ERR unknown command \`ACL\`, with args beginning with: \`GETUSER\`, \`default\`, \n`, 's1')
        .defaultOpen,
    ).toBe(true);
  });

  it('names the fix when Redis refuses the admin connection for want of a password', () => {
    expect(() => parseRedisLook('NOAUTH Authentication required.\n'.repeat(4), 'web-1')).toThrow(
      /^Redis on web-1 needs a password for its default user \(NOAUTH Authentication required\.\): .*no Redis admin password to give .*Turn Redis off in this app's settings/,
    );
    expect(() => parseRedisLook("NOPERM this user has no permissions to run the 'info' command\n", 'web-1')).toThrow(
      /^Redis on web-1 refused Berth's admin commands: NOPERM/,
    );
  });

  it('reads the aclfile setting', () => {
    expect(aclFileOf('redis_version:7.0.15\r\naclfile\n\n')).toBe('');
    expect(aclFileOf('aclfile\n/etc/redis/users.acl\n')).toBe('/etc/redis/users.acl');
  });
});

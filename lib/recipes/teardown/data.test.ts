import { describe, expect, it } from 'vitest';
import { deleteRedisUserCommands, dropDatabaseSql } from './data';

// How the data drop renders (a real drop runs only when asked, on the app's data server).
describe('teardown: dropping the app’s data', () => {
  it('ends the sessions, then drops the database and the role, each only if it exists', () => {
    expect(dropDatabaseSql('app_shop')).toBe(
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'app_shop';
DROP DATABASE IF EXISTS "app_shop";
DROP ROLE IF EXISTS "app_shop";
SELECT 'dropped';
`,
    );
  });

  it('refuses a name that is not a Berth database or Redis user, so no other can be dropped', () => {
    for (const name of ['postgres', 'app_x"; DROP TABLE y; --', 'template1', ''])
      expect(() => dropDatabaseSql(name)).toThrow(/not a Berth database or role name/);
    for (const user of ['default', 'berth-', 'berth-a b', 'berth-x" on >pw'])
      expect(() => deleteRedisUserCommands(user, false)).toThrow(/not a Berth Redis user/);
  });

  it('deletes the Redis user, and saves the ACL file only where Redis has one', () => {
    expect(deleteRedisUserCommands('berth-shop', false)).toBe('ACL DELUSER "berth-shop"\n');
    expect(deleteRedisUserCommands('berth-shop', true)).toBe('ACL DELUSER "berth-shop"\nACL SAVE\n');
  });
});

import { describe, expect, it } from 'vitest';
import { isAppUserLine } from './app-user';

// Teardown deletes a user only if configure made it: a slug may name a user the host had before.
describe('teardown: which user is the app’s own', () => {
  it('is the user configure makes: home /var/www/<slug>, no login shell', () => {
    expect(isAppUserLine('shop:x:998:998::/var/www/shop:/usr/sbin/nologin\n', 'shop')).toBe(true);
  });

  it('is not an operator’s or a system user of the same name', () => {
    expect(isAppUserLine('admin:x:1000:1000:Debian:/home/admin:/bin/bash\n', 'admin')).toBe(false);
    expect(isAppUserLine('proxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n', 'proxy')).toBe(false);
    expect(isAppUserLine('deploy:x:1001:1001::/var/www/deploy:/bin/bash\n', 'deploy')).toBe(false);
    expect(isAppUserLine('shopx:x:998:998::/var/www/shop:/usr/sbin/nologin\n', 'shop')).toBe(false);
    expect(isAppUserLine('', 'shop')).toBe(false);
  });
});

describe('app groups', () => {
  it('a group whose only members are nginx or the app user can be the app group; one with others cannot', async () => {
    const { isAppGroupLine, groupMembers } = await import('../configure/app-user');
    expect(groupMembers('docker:x:999:alice,bob\n')).toEqual(['alice', 'bob']);
    expect(isAppGroupLine('shop:x:998:www-data\n', 'shop')).toBe(true);
    expect(isAppGroupLine('shop:x:998:\n', 'shop')).toBe(true);
    expect(isAppGroupLine('docker:x:999:alice\n', 'docker')).toBe(false);
    expect(isAppGroupLine('sudo:x:27:www-data,admin\n', 'sudo')).toBe(false);
  });
});

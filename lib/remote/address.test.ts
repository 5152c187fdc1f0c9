import { describe, expect, it } from 'vitest';
import { hostTextProblem, hostTextSchema, refusedAddressReason } from '@/lib/model/host-address';
import { resolveHost } from './address';
import { AddressError } from './errors';

describe('host text', () => {
  it.each([
    'example.com',
    'web-1.eu.example.com',
    'localhost',
    'EXAMPLE.com.',
    '203.0.113.7',
    '::1',
    '2001:db8::7',
    `${'a'.repeat(63)}.io`,
  ])('accepts %s', (text) => expect(hostTextProblem(text)).toBeNull());

  it.each([
    ['', /enter a host/],
    ['exa mple.com', /only letters/],
    ['example.com;id', /only letters/],
    ['$(id).example.com', /only letters/],
    ['host:22', /only letters/],
    ['user@host', /only letters/],
    ['-lead.example.com', /hyphen/],
    ['a..b', /1-63/],
    [`${'a'.repeat(64)}.io`, /1-63/],
    ['1.2.3', /IPv4/],
    ['999.1.1.1', /IPv4/],
    ['0x7f000001', /IPv4/],
    ['2130706433', /IPv4/],
    ['fe80::1%eth0', /zone/],
    ['x'.repeat(254), /253/],
  ])('rejects %j', (text, why) => expect(hostTextProblem(text)).toMatch(why));

  it('the zod schema trims and reports the same problem', () => {
    expect(hostTextSchema.parse('  example.com ')).toBe('example.com');
    const r = hostTextSchema.safeParse('bad host');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/only letters/);
  });
});

describe('refused addresses', () => {
  it.each([
    ['169.254.169.254', /link-local/],
    ['169.254.0.1', /link-local/],
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['fd00:ec2::254', /metadata/],
    ['ff02::1', /multicast/],
    ['::', /unspecified/],
    ['::ffff:169.254.169.254', /link-local/],
  ])('refuses %s', (address, why) => expect(refusedAddressReason(address)).toMatch(why));

  it.each(['127.0.0.1', '127.0.0.11', '::1', '10.0.0.5', '192.168.1.1', '203.0.113.7', 'fd00:ec2::253', '2001:db8::1'])(
    'allows %s',
    (address) => expect(refusedAddressReason(address)).toBeNull(),
  );
});

describe('resolveHost', () => {
  it('returns an IP literal as is, and resolves a name once', async () => {
    await expect(resolveHost('127.0.0.11')).resolves.toBe('127.0.0.11');
    expect(await resolveHost('localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('refuses bad text before any lookup, metadata addresses, and names that do not resolve', async () => {
    await expect(resolveHost('a;b')).rejects.toThrow(AddressError);
    await expect(resolveHost('169.254.169.254')).rejects.toThrow(/link-local.*does not connect/);
    await expect(resolveHost('0x7f000001')).rejects.toThrow(/not a valid host/);
    await expect(resolveHost('no-such-host.invalid')).rejects.toThrow(/does not resolve|DNS lookup failed/);
  });
});

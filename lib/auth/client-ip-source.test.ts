import { describe, expect, it } from 'vitest';
import { throttleSource } from './client-ip-source';

describe('throttleSource', () => {
  it('keeps an IPv4 address, and none stays none', () => {
    expect(throttleSource('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleSource(null)).toBeNull();
    expect(throttleSource('')).toBeNull();
  });

  it('counts an IPv6 address as its /64, however it is written', () => {
    expect(throttleSource('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(throttleSource('2001:0DB8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(throttleSource('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleSource('::1')).toBe('0:0:0:0::/64');
    expect(throttleSource('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleSource('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(throttleSource('::ffff:198.51.100.4')).toBe('198.51.100.4');
  });
});

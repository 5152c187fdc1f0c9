import { isIPv6 } from 'node:net';

/**
 * The "source" a login failure counts against: the client address, except that an IPv6
 * address counts as its /64. One host usually holds a whole /64, so counting single IPv6
 * addresses would hand an attacker 2^64 fresh addresses to guess from.
 */
export function throttleSource(ip: string | null): string | null {
  if (!ip) return null;
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names a link, not a host
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  // A trailing dotted quad sits in the last 32 bits, which the /64 drops anyway.
  const [head = '', tail] = address
    .toLowerCase()
    .replace(/\d+\.\d+\.\d+\.\d+$/, '0:0')
    .split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = tail === undefined ? before : [...before, ...Array(8 - before.length - after.length).fill('0'), ...after];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

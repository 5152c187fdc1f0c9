/**
 * Which hosts Berth may connect to, as pure checks (the forms, db/schema/servers.ts and the URL
 * checks share them; lib/remote/address.ts resolves a name once and applies them to the address).
 * The text is checked so nothing odd ever reaches a resolver or a log; link-local, metadata and
 * otherwise meaningless addresses are refused. Loopback stays allowed: a panel may manage its own
 * machine, and the test bed lives there. node:net is used for address arithmetic only.
 */
import net from 'node:net';
import { trimmedLine } from './text';

const MAX_NAME_LENGTH = 253;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// inet_aton accepts "2130706433", "0x7f.1", "1.2.3" as IPv4: such text is not a DNS name.
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;

/** Why `text` is not a DNS name (RFC 1123) or an IP literal, or null when it is one. */
export function hostTextProblem(text: string): string | null {
  if (text === '') return 'enter a host name or IP address';
  if (net.isIPv4(text)) return null;
  if (net.isIPv6(text)) return text.includes('%') ? 'an IPv6 zone index (%…) is not supported' : null;
  if (text.length > MAX_NAME_LENGTH) return `a host name is at most ${MAX_NAME_LENGTH} characters`;
  if (/[^A-Za-z0-9.-]/.test(text)) {
    return 'a host name may contain only letters, digits, dots and hyphens (no spaces, slashes, ports or shell characters)';
  }
  const labels = (text.endsWith('.') ? text.slice(0, -1) : text).split('.');
  if (labels.some((label) => !LABEL.test(label))) {
    return 'each part of a host name is 1-63 letters, digits or hyphens, and does not start or end with a hyphen';
  }
  if (labels.every((label) => NUMERIC_LABEL.test(label)) || /^[0-9]+$/.test(labels.at(-1)!)) {
    return 'not a valid IPv4 address (write it as four numbers 0-255, like 203.0.113.7)';
  }
  return null;
}

/** For forms and actions: the same rule, as a zod schema (surrounding spaces are trimmed). */
export const hostTextSchema = trimmedLine(300).superRefine((text, ctx) => {
  const problem = hostTextProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const refused = new net.BlockList();
const REFUSED_RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'is in 0.0.0.0/8 ("this network"), not a server address'],
  ['169.254.0.0', 16, 'ipv4', 'is link-local (169.254.0.0/16, where cloud metadata services live)'],
  ['224.0.0.0', 4, 'ipv4', 'is a multicast address'],
  ['255.255.255.255', 32, 'ipv4', 'is the broadcast address'],
  ['::', 128, 'ipv6', 'is the unspecified address'],
  ['fe80::', 10, 'ipv6', 'is link-local (fe80::/10)'],
  ['fd00:ec2::254', 128, 'ipv6', 'is the cloud metadata service address'],
  ['ff00::', 8, 'ipv6', 'is a multicast address'],
];
for (const [network, prefix, family] of REFUSED_RANGES) refused.addSubnet(network, prefix, family);

/** Why Berth refuses to connect to this resolved address, or null. IPv4-mapped IPv6 counts as IPv4. */
export function refusedAddressReason(address: string): string | null {
  const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
  if (!refused.check(address, family)) return null;
  for (const [network, prefix, rangeFamily, reason] of REFUSED_RANGES) {
    const one = new net.BlockList();
    one.addSubnet(network, prefix, rangeFamily);
    if (one.check(address, family)) return reason;
  }
  return 'is not allowed';
}

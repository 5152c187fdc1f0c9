/**
 * Where Berth may send HTTP (monitor checks, alert webhooks). A URL is checked when it is saved
 * (scheme, host text, literal addresses, metadata names) and again at connect time: the resolved
 * address goes through the same refusal, so a name that later resolves to 169.254.169.254 (DNS
 * rebinding) is refused too. Loopback and private ranges stay allowed (self-hosted panels
 * watch their own LAN, and the test bed lives on loopback).
 */
import dns from 'node:dns';
import net from 'node:net';
import { hostTextProblem, refusedAddressReason } from '@/lib/model/host-address';

/** Cloud metadata services reachable by name; refused whatever they resolve to. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(host.toLowerCase().replace(/\.$/, ''));
}

/** Strips the brackets URL gives IPv6 hosts. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Why Berth will not connect to `host` (a name or literal, as typed or from a URL), or null. */
export function hostProblem(host: string): string | null {
  const bare = bareHost(host);
  const text = hostTextProblem(bare);
  if (text) return text;
  if (isMetadataName(bare)) return `${bare} is a cloud metadata service; Berth does not connect there`;
  if (net.isIP(bare)) {
    const reason = refusedAddressReason(bare);
    if (reason) return `${bare} ${reason}; Berth does not connect there`;
  }
  return null;
}

/** Why Berth will not send requests to this URL, or null. `credentials: false` also refuses user:password@. */
export function httpUrlProblem(text: string, opts: { credentials?: boolean; example?: string } = {}): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `Enter a full URL, like ${opts.example ?? 'https://example.com/'}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `Only http:// and https:// URLs are supported (not ${url.protocol})`;
  }
  if (opts.credentials === false && (url.username || url.password)) return 'Remove the user name and password from the URL';
  const problem = hostProblem(url.hostname);
  return problem ? `Host: ${problem}` : null;
}

/** Why this URL cannot be a monitor's, or null. */
export const monitorUrlProblem = (text: string) => httpUrlProblem(text, { credentials: false, example: 'https://example.com/health' });

export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: Resolve = (host) => dns.promises.lookup(host, { all: true });

/** A refused connect target; its message is shown as the check's error. */
export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError';
  readonly code = 'EBERTHREFUSED';
}

/**
 * A `lookup` for node:http that resolves with `resolve` and refuses link-local, metadata and
 * other meaningless addresses; only addresses that pass are handed to connect.
 */
export function safeLookup(resolve: Resolve = systemResolve): net.LookupFunction {
  return (hostname, options, callback) => {
    const wantAll = typeof options === 'object' && options !== null && (options as dns.LookupOptions).all === true;
    const fail = (err: Error) => (callback as (e: Error) => void)(err);
    if (isMetadataName(hostname)) return fail(new RefusedAddressError(`${hostname} is a cloud metadata service`));
    resolve(hostname).then(
      (found) => {
        const refused = found.map((a) => [a, refusedAddressReason(a.address)] as const).find(([, why]) => why);
        if (refused) return fail(new RefusedAddressError(`${hostname} resolves to ${refused[0].address}, which ${refused[1]}`));
        if (found.length === 0) return fail(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }));
        if (wantAll) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, found);
        else callback(null, found[0]!.address, found[0]!.family);
      },
      (err: Error) => fail(err),
    );
  };
}

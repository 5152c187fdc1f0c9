/**
 * Which hosts Berth connects to. The operator types a host name or address; it is checked as
 * text, resolved exactly once (the address we check is the address we connect to: no DNS
 * rebinding in between), and refused when it points at link-local, metadata or otherwise
 * meaningless addresses. The checks themselves are pure: lib/model/host-address.ts.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { hostTextProblem, refusedAddressReason } from '@/lib/model/host-address';
import { AddressError } from './errors';

/** Validates, resolves once, and returns the address to connect to. Throws AddressError. */
export async function resolveHost(host: string): Promise<string> {
  const problem = hostTextProblem(host);
  if (problem) throw new AddressError(`${JSON.stringify(host)} is not a valid host: ${problem}`);
  let address = host;
  if (!net.isIP(host)) {
    try {
      address = (await lookup(host)).address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOTFOUND' || code === 'ENODATA' ? 'the name does not resolve' : `DNS lookup failed (${code ?? 'unknown error'})`;
      throw new AddressError(`${host}: ${why}`);
    }
  }
  const reason = refusedAddressReason(address);
  if (reason) {
    const shown = address === host ? host : `${host} resolves to ${address}, which`;
    throw new AddressError(`${shown} ${reason}; Berth does not connect there`);
  }
  return address;
}

import { headers } from 'next/headers';
import { CLIENT_IP_HEADER } from './client-ip-header';

export function clientIpFrom(h: Headers): string | null {
  return h.get(CLIENT_IP_HEADER) || null;
}

export async function clientIp(): Promise<string | null> {
  return clientIpFrom(await headers());
}

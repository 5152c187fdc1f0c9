/**
 * One HTTP(S) check. A fresh connection each time (no agent: an uptime check measures what a
 * new visitor gets), redirects not followed (a 301 is an answer), the body read only when a
 * keyword is wanted and then at most 64 KB, and one hard deadline over connect, headers and
 * body: the socket is destroyed when it passes, so a hanging target cannot hold a check open.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { refusedAddressReason } from '@/lib/model/host-address';
import { statusMatches, type StatusRanges } from './status-spec';
import { bareHost, isMetadataName, RefusedAddressError, safeLookup, type Resolve } from '@/lib/remote/url-safety';

export const MAX_BODY_BYTES = 64 * 1024;

export type HttpTarget = {
  url: string;
  method: string;
  timeoutMs: number;
  expected: StatusRanges;
  /** The spec as typed, for the error text. */
  expectedText: string;
  keyword: string | null;
  /** Connect here (a name or address) instead of the URL's host; Host and SNI stay the URL's. */
  resolveTo: string | null;
};

export type CheckOutcome = { ok: boolean; latencyMs: number | null; status: number | null; error: string | null };

export type CheckOptions = {
  resolve?: Resolve;
  ca?: string | Buffer | Array<string | Buffer>;
  /** Aborts the check (the engine stopping): the socket is destroyed and the outcome is a failure. */
  signal?: AbortSignal;
};

export function checkHttp(target: HttpTarget, options: CheckOptions = {}): Promise<CheckOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target.url);
  const host = bareHost(url.hostname);
  const connectTo = target.resolveTo ?? host;

  // Literal addresses never reach `lookup`, so they are judged here.
  const refused = net.isIP(connectTo) ? refusedAddressReason(connectTo) : isMetadataName(connectTo) ? 'is a cloud metadata service' : null;
  if (refused) return Promise.resolve({ ok: false, latencyMs: null, status: null, error: `refused: ${connectTo} ${refused}` });
  const aborted: CheckOutcome = { ok: false, latencyMs: null, status: null, error: 'check aborted' };
  if (options.signal?.aborted) return Promise.resolve(aborted);

  return new Promise<CheckOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const fail = (error: string, status: number | null = null) =>
      finish({ ok: false, latencyMs: status === null ? null : elapsed(), status, error });

    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? https : http).request({
      protocol: url.protocol,
      host: connectTo,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: target.method,
      agent: false,
      lookup: safeLookup(options.resolve),
      headers: {
        Host: url.host,
        'User-Agent': 'Berth-Monitor/1',
        Accept: '*/*',
        Connection: 'close',
        ...(target.method === 'POST' && { 'Content-Length': '0' }),
      },
      ...(isHttps && { servername: net.isIP(host) ? undefined : host, ca: options.ca }),
    });
    const timer = setTimeout(() => fail(`timed out after ${target.timeoutMs} ms`), target.timeoutMs);
    const onAbort = () => finish(aborted);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (err) => fail(describeError(err)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (!statusMatches(target.expected, status)) return fail(`status ${status}, expected ${target.expectedText}`, status);
      if (target.keyword === null) return finish({ ok: true, latencyMs: elapsed(), status, error: null });
      const keyword = Buffer.from(target.keyword);
      let body = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        body = Buffer.concat([body, chunk]).subarray(0, MAX_BODY_BYTES);
        if (body.includes(keyword)) finish({ ok: true, latencyMs: elapsed(), status, error: null });
        else if (body.length >= MAX_BODY_BYTES) fail(`keyword ${JSON.stringify(target.keyword)} not found in the first 64 KB`, status);
      });
      res.on('end', () => fail(`keyword ${JSON.stringify(target.keyword)} not found`, status));
      res.on('error', (err) => fail(describeError(err), status));
    });
    req.end();
  });
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EPIPE: 'connection closed',
  HPE_INVALID_CONSTANT: 'not an HTTP response',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS: certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
};

/** Short operator text; raw Node errors (stack, syscall noise) stay out of the UI. */
export function describeError(err: Error & { code?: string }): string {
  if (err instanceof RefusedAddressError) return `refused: ${err.message}`;
  const known = err.code ? CODES[err.code] : undefined;
  if (known) return known;
  if (err.code?.startsWith('HPE_')) return 'malformed HTTP response';
  if (err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT')) return `TLS: ${err.code}`;
  return err.code ? `${err.code}: ${err.message}`.slice(0, 200) : err.message.slice(0, 200);
}

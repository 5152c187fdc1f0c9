import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHttp, type HttpTarget } from './http-check';
import { parseStatusSpec, type StatusRanges } from './status-spec';

const ranges = (spec: string) => (parseStatusSpec(spec) as { ranges: StatusRanges }).ranges;
let base: string;
let port: number;
let server: http.Server;
let tlsServer: https.Server;
let tlsPort: number;
let cert: string;
const requests: Array<{ method?: string; host?: string }> = [];

function target(pathname: string, over: Partial<HttpTarget> = {}): HttpTarget {
  return {
    url: `${base}${pathname}`,
    method: 'GET',
    timeoutMs: 2000,
    expected: ranges(over.expectedText ?? '200-299'),
    expectedText: '200-299',
    keyword: null,
    resolveTo: null,
    ...over,
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ method: req.method, host: req.headers.host });
    if (req.url === '/ok') return res.end('<html>all systems nominal</html>');
    if (req.url === '/503') return res.writeHead(503).end('busy');
    if (req.url === '/redirect') return res.writeHead(301, { Location: `${base}/ok` }).end();
    if (req.url === '/host') return res.end(`host=${req.headers.host}`);
    if (req.url === '/big') {
      res.write('x'.repeat(200 * 1024));
      return res.end('needle');
    }
    if (req.url === '/slow-body') return res.write('start'); // headers sent, body never ends
    // /hang: headers never sent
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=shop.test',
      '-addext',
      'subjectAltName=DNS:shop.test',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
    ],
    { stdio: 'ignore' },
  );
  cert = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
  tlsServer = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert }, (req, res) => res.end(`tls host=${req.headers.host}`));
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsPort = (tlsServer.address() as AddressInfo).port;
  fs.rmSync(dir, { recursive: true });
});

afterAll(async () => {
  server.closeAllConnections();
  tlsServer.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => tlsServer.close(r));
});

describe('HTTP check against real local servers', () => {
  it('200 is up, with latency and status', async () => {
    const r = await checkHttp(target('/ok'));
    expect(r).toMatchObject({ ok: true, status: 200, error: null });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('503 is down with a short reason', async () => {
    expect(await checkHttp(target('/503'))).toMatchObject({ ok: false, status: 503, error: 'status 503, expected 200-299' });
  });

  it('finds a keyword, and says so when it is absent (also beyond the 64 KB read limit)', async () => {
    expect(await checkHttp(target('/ok', { keyword: 'nominal' }))).toMatchObject({ ok: true, status: 200 });
    expect(await checkHttp(target('/ok', { keyword: 'outage' }))).toMatchObject({
      ok: false,
      status: 200,
      error: 'keyword "outage" not found',
    });
    expect((await checkHttp(target('/big', { keyword: 'needle' }))).error).toContain('not found in the first 64 KB');
  });

  it('does not follow redirects: a 301 is the answer', async () => {
    expect(await checkHttp(target('/redirect'))).toMatchObject({ ok: false, status: 301, error: 'status 301, expected 200-299' });
    expect(await checkHttp(target('/redirect', { expected: ranges('200-399'), expectedText: '200-399' }))).toMatchObject({
      ok: true,
      status: 301,
    });
  });

  it('sends the method; HEAD and POST work', async () => {
    await checkHttp(target('/ok', { method: 'HEAD' }));
    await checkHttp(target('/ok', { method: 'POST' }));
    expect(requests.slice(-2).map((r) => r.method)).toEqual(['HEAD', 'POST']);
  });

  it('a hanging server times out at its deadline while a fast one checked at the same time completes at once', async () => {
    const t0 = performance.now();
    const hang = checkHttp(target('/hang', { timeoutMs: 1000 })).then((r) => ({ r, ms: performance.now() - t0 }));
    const body = checkHttp(target('/slow-body', { timeoutMs: 1000, keyword: 'never' })).then((r) => ({ r, ms: performance.now() - t0 }));
    const fast = checkHttp(target('/ok', { timeoutMs: 1000 })).then((r) => ({ r, ms: performance.now() - t0 }));
    const [h, b, f] = await Promise.all([hang, body, fast]);
    expect(f.r.ok).toBe(true);
    expect(f.ms).toBeLessThan(300);
    expect(h.r).toMatchObject({ ok: false, error: 'timed out after 1000 ms' });
    expect(h.ms).toBeGreaterThanOrEqual(990);
    expect(h.ms).toBeLessThan(1500);
    expect(b.r).toMatchObject({ ok: false, error: 'timed out after 1000 ms' });
  });

  it('an abort (the engine stopping) ends a hanging check at once, and an aborted signal starts none', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const hang = checkHttp(target('/hang', { timeoutMs: 30_000 }), { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    expect(await hang).toMatchObject({ ok: false, error: 'check aborted' });
    expect(performance.now() - t0).toBeLessThan(500);
    const seen = requests.length;
    expect(await checkHttp(target('/ok'), { signal: ac.signal })).toMatchObject({ ok: false, error: 'check aborted' });
    expect(requests.length).toBe(seen);
  });

  it('connection refused is short text', async () => {
    // Port 1, not a just-closed listen(0) port: that one is in the ephemeral range, where another
    // listener can take it, or the connect can pick it as its own source port and reach itself.
    expect(await checkHttp({ ...target('/'), url: 'http://127.0.0.1:1/' })).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('resolveTo connects to the given address while Host stays the URL host', async () => {
    const r = await checkHttp({
      ...target('/host', { keyword: `host=shop.test:${port}` }),
      url: `http://shop.test:${port}/host`,
      resolveTo: '127.0.0.1',
    });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(requests.at(-1)?.host).toBe(`shop.test:${port}`);
  });

  it('resolveTo over HTTPS sends SNI for the URL host and verifies its certificate', async () => {
    const url = `https://shop.test:${tlsPort}/`;
    expect(await checkHttp({ ...target('/', { keyword: 'tls host=shop.test' }), url, resolveTo: '127.0.0.1' }, { ca: cert })).toMatchObject(
      { ok: true, status: 200 },
    );
    expect((await checkHttp({ ...target('/'), url, resolveTo: '127.0.0.1' })).error).toContain('TLS');
  });

  it('resolves names through the refusing lookup: localhost works, a name resolving to a refused address is refused at connect', async () => {
    expect(await checkHttp({ ...target('/ok'), url: `http://localhost:${port}/ok` })).toMatchObject({ ok: true });
    const before = requests.length;
    // A name that resolved to a good address when saved and to the metadata address now (DNS rebinding).
    const rebinding = async (host: string) =>
      host === 'rebind.test' ? [{ address: '169.254.169.254', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const r = await checkHttp({ ...target('/ok'), url: `http://rebind.test:${port}/ok` }, { resolve: rebinding });
    expect(r.ok).toBe(false);
    expect(r.error).toContain('refused: rebind.test resolves to 169.254.169.254');
    const v6 = await checkHttp(
      { ...target('/ok'), url: `http://rebind.test:${port}/ok` },
      { resolve: async () => [{ address: 'fe80::1', family: 6 }] },
    );
    expect(v6.error).toContain('link-local');
    expect(requests.length).toBe(before); // nothing reached any server
  });

  it('literal refused addresses and metadata names are refused before any connection, also via resolveTo', async () => {
    expect((await checkHttp({ ...target('/'), url: 'http://169.254.169.254/latest/' })).error).toContain(
      'refused: 169.254.169.254 is link-local',
    );
    expect((await checkHttp({ ...target('/'), url: `http://shop.test:${port}/`, resolveTo: '169.254.169.254' })).error).toContain(
      'refused',
    );
    expect((await checkHttp({ ...target('/'), url: 'http://metadata.google.internal/' })).error).toContain('metadata');
  });
});

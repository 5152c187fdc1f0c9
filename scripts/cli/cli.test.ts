import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../berth.mjs';
import { sseEvents } from './follow.mjs';

// How the CLI reads the panel's answers and maps them to exit codes. That it works against a
// real panel is proved in e2e/cli.spec.ts; here a loopback server stands in for odd answers.

type Seen = { method: string; url: string; auth: string | undefined; body: string };
const seen: Seen[] = [];
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end();
const server = http.createServer((req, res) => {
  const entry = { method: req.method!, url: req.url!, auth: req.headers.authorization, body: '' };
  seen.push(entry);
  req.on('data', (chunk: Buffer) => (entry.body += chunk.toString()));
  req.on('end', () => answer(req, res));
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const TOKEN = `berth_${'t'.repeat(43)}`;

async function cli(args: string[], env: Record<string, string | undefined> = { BERTH_URL: base, BERTH_TOKEN: TOKEN }) {
  let out = '';
  let err = '';
  const code = await main(args, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) }, env } as never);
  return { code, out, err };
}

const json = (status: number, body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

describe('berth CLI', () => {
  it('exits 2 on a wrong command line or missing settings, before any request', async () => {
    seen.length = 0;
    expect((await cli([])).code).toBe(2);
    expect((await cli(['launch'])).err).toContain('unknown command "launch"');
    expect((await cli(['status'], { BERTH_TOKEN: TOKEN })).err).toContain('Set BERTH_URL');
    expect((await cli(['status'], { BERTH_URL: base })).code).toBe(2);
    expect((await cli(['status'], { BERTH_URL: 'ftp://x', BERTH_TOKEN: TOKEN })).code).toBe(2);
    expect((await cli(['plan'])).err).toContain('-f FILE');
    expect((await cli(['deploy', '--bogus'])).code).toBe(2);
    expect(seen).toEqual([]);
  });

  it('exits 4 when nothing answers, or what answers is not Berth’s API', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await cli(['status'], { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_TOKEN: TOKEN });
    expect(down).toMatchObject({ code: 4 });
    expect(down.err).toMatch(/Cannot reach the panel at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);

    answer = (_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>not here</html>');
    seen.length = 0;
    const wrong = await cli(['status']);
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain('is BERTH_URL right?');
    // status asks for servers and apps at once: the second request may land after the CLI gave up.
    await vi.waitFor(() => expect(seen).toHaveLength(2));
  });

  it('sends the token as a bearer header to /api/v1 under BERTH_URL’s path, and exits 5 when it is refused', async () => {
    seen.length = 0;
    answer = json(401, { error: { code: 'unauthorized', message: 'A valid API token is required' } });
    const r = await cli(['status'], { BERTH_URL: `${base}/panel`, BERTH_TOKEN: TOKEN });
    expect(r.code).toBe(5);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen.map((s) => s.url).sort()).toEqual(['/panel/api/v1/apps', '/panel/api/v1/servers']);
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(r.err).not.toContain(TOKEN);
  });

  it('never applies a destructive plan without --yes (exit 3), and applies it with the planned hash with --yes', async () => {
    const file = `${process.env.TMPDIR ?? '/tmp'}/berth-cli-test-${process.pid}.yaml`;
    (await import('node:fs')).writeFileSync(file, 'apiVersion: berth/v1\nkind: Fleet\n');
    const plan = {
      problems: [],
      hash: 'h1',
      destructive: true,
      refused: false,
      changes: [
        { kind: 'monitor', key: 'beat', action: 'delete', fields: [], destructive: 'deletes the monitor', refused: null, needsValue: [] },
      ],
    };
    answer = (req, res) => json(200, { data: req.url?.endsWith('/plan') ? plan : { hash: 'h1', applied: 1, queued: [] } })(req, res);
    seen.length = 0;
    const refused = await cli(['apply', '-f', file]);
    expect(refused.code).toBe(3);
    expect(refused.out).toContain('- monitor beat');
    expect(refused.out).toContain('! destructive: deletes the monitor');
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/definitions/plan']);
    expect((await cli(['plan', '-f', file])).code).toBe(3);
    seen.length = 0;
    const confirmed = await cli(['apply', '-f', file, '--yes']);
    expect(confirmed).toMatchObject({ code: 0 });
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/definitions/plan', '/api/v1/definitions/apply']);
    // What was planned is what is applied: the same text, the plan's hash, the confirmation.
    expect(JSON.parse(seen[1]!.body)).toEqual({ text: 'apiVersion: berth/v1\nkind: Fleet\n', hash: 'h1', confirmDestructive: true });
    expect(JSON.parse(seen[0]!.body)).toEqual({ text: 'apiVersion: berth/v1\nkind: Fleet\n' });
  });

  it('reads server-sent events split anywhere across chunks', async () => {
    const text = 'retry: 3000\n\nevent: release\ndata: {"a":1}\n\n: keepalive\n\nevent: end\ndata: {"status":"succeeded"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 30), bytes.slice(30, 31), bytes.slice(31)];
    const items = [];
    for await (const item of sseEvents(chunks)) items.push(item);
    expect(items).toEqual([
      { event: 'release', data: { a: 1 } },
      { event: 'end', data: { status: 'succeeded' } },
    ]);
  });
});

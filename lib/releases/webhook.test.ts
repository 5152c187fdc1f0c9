import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import {
  generateWebhookSecret,
  openWebhookSecret,
  parseDelivery,
  readLimited,
  sealWebhookSecret,
  signBody,
  staleBy,
  verifySignature,
  webhookExample,
} from './webhook';

// GitHub's own example in "Validating webhook deliveries".
const GITHUB = {
  secret: "It's a Secret to Everybody",
  body: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};
const openssl = (secret: string, body: string) =>
  `sha256=${execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: body, encoding: 'utf8' }).trim().replace(/^.*= /, '')}`;

describe('signatures, as GitHub computes them', () => {
  it('match GitHub’s published vector, node’s crypto and the openssl CLI', () => {
    expect(signBody(GITHUB.secret, Buffer.from(GITHUB.body))).toBe(GITHUB.signature);
    expect(openssl(GITHUB.secret, GITHUB.body)).toBe(GITHUB.signature);
    const secret = generateWebhookSecret();
    const body = '{"branch":"main","timestamp":1700000000,"id":"ci-ünïcode"}';
    expect(signBody(secret, Buffer.from(body))).toBe(openssl(secret, body));
    expect(signBody(secret, Buffer.from(body))).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });

  it('accept the right signature (any hex case, stored lower-case) and refuse everything else', () => {
    const body = Buffer.from(GITHUB.body);
    expect(verifySignature(GITHUB.secret, body, GITHUB.signature)).toBe(GITHUB.signature);
    expect(verifySignature(GITHUB.secret, body, GITHUB.signature.toUpperCase().replace('SHA256', 'sha256'))).toBe(GITHUB.signature);
    expect(verifySignature('another secret', body, GITHUB.signature)).toBeNull();
    expect(verifySignature(GITHUB.secret, Buffer.from(`${GITHUB.body}\n`), GITHUB.signature)).toBeNull();
    for (const header of [
      null,
      '',
      'sha256=',
      GITHUB.signature.slice(0, -2),
      GITHUB.signature.replace('sha256=', 'sha1='),
      `${GITHUB.signature}00`,
      `sha256=${'z'.repeat(64)}`,
    ]) {
      expect(verifySignature(GITHUB.secret, body, header)).toBeNull();
    }
  });

  it('the example on the app page signs exactly what it sends', () => {
    const secret = generateWebhookSecret();
    // A shell function stands in for curl and prints what curl would have been given.
    const script = `curl() { printf '%s\\n' "$@"; }\n${webhookExample('http://panel.test/api/apps/x/deploy', 'release/1.2')}`;
    const args = execFileSync('sh', ['-c', script], { env: { ...process.env, BERTH_WEBHOOK_SECRET: secret }, encoding: 'utf8' })
      .trimEnd()
      .split('\n');
    const body = args[args.indexOf('--data-binary') + 1]!;
    const header = args.find((a) => a.startsWith('X-Hub-Signature-256: '))!.slice('X-Hub-Signature-256: '.length);
    expect(args).toContain('http://panel.test/api/apps/x/deploy');
    expect(verifySignature(secret, Buffer.from(body), header)).toBe(header);
    const parsed = parseDelivery(body);
    expect(parsed.ok && parsed.delivery.ref).toBe('release/1.2');
    expect(parsed.ok && staleBy(parsed.delivery.timestamp, new Date())).toBeNull();
  });
});

describe('secrets', () => {
  it('are 32 random bytes in base64url, sealed to their app', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(secret);
    const ring = parseKeyRing(generateKeyText(1));
    const sealed = sealWebhookSecret(ring, 'app-1', secret);
    expect(sealed).not.toContain(secret);
    expect(openWebhookSecret(ring, 'app-1', sealed)).toBe(secret);
    expect(() => openWebhookSecret(ring, 'app-2', sealed)).toThrow();
  });
});

describe('the timestamp window', () => {
  const now = new Date('2026-05-01T12:00:00Z');
  const at = now.getTime() / 1000;
  it('accepts five minutes either way and reports how far off anything else is', () => {
    expect(staleBy(at, now)).toBeNull();
    expect(staleBy(at - 300, now)).toBeNull();
    expect(staleBy(at + 300, now)).toBeNull();
    expect(staleBy(at - 301, now)).toBe(301);
    expect(staleBy(at + 3600, now)).toBe(3600);
    expect(staleBy(at * 1000, now)).toBeGreaterThan(300); // milliseconds by mistake
  });
});

describe('delivery bodies', () => {
  it('take a branch or a sha (lower-cased), a timestamp and an optional id', () => {
    expect(parseDelivery('{"branch":"main","timestamp":1700000000}')).toEqual({
      ok: true,
      delivery: { ref: 'main', timestamp: 1700000000 },
    });
    expect(parseDelivery('{"sha":"ABCDEF1","timestamp":1700000000,"id":"run-7"}')).toEqual({
      ok: true,
      delivery: { ref: 'abcdef1', timestamp: 1700000000, id: 'run-7' },
    });
  });

  it('list every problem at once', () => {
    const bad = parseDelivery(JSON.stringify({ branch: '-rf', sha: 'xyz', timestamp: '1700000000', id: 'x'.repeat(201) }));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.problems).sort()).toEqual(['branch', 'id', 'ref', 'sha', 'timestamp']);
    expect(bad.problems.ref).toEqual(['Send "branch" or "sha", not both']);
    expect(bad.problems.timestamp![0]).toMatch(/unix time in seconds/);
  });

  it('refuse a body without a ref or timestamp, fractional times, and anything that is not a JSON object', () => {
    expect(parseDelivery('{}')).toEqual({
      ok: false,
      problems: { timestamp: [expect.stringMatching(/timestamp/)], ref: ['Send "branch" or "sha"'] },
    });
    expect(parseDelivery('{"branch":"main","timestamp":1.5}')).toMatchObject({
      ok: false,
      problems: { timestamp: ['The timestamp is whole unix seconds'] },
    });
    expect(parseDelivery('{"sha":"abc12","timestamp":1}')).toMatchObject({ ok: false, problems: { sha: ['A sha is 7 to 40 hex digits'] } });
    expect(parseDelivery('branch=main')).toEqual({ ok: false, problems: { _body: ['The body is not JSON'] } });
    expect(parseDelivery('["main"]')).toEqual({ ok: false, problems: { _body: ['The body must be a JSON object'] } });
    expect(parseDelivery('null')).toEqual({ ok: false, problems: { _body: ['The body must be a JSON object'] } });
  });
});

describe('reading the body', () => {
  const stream = (...chunks: number[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const n of chunks) c.enqueue(new Uint8Array(n).fill(65));
        c.close();
      },
    });
  it('returns the bytes up to the limit and null beyond it, counting chunks as they come', async () => {
    expect((await readLimited(stream(10, 20), 30))!.length).toBe(30);
    expect(await readLimited(stream(10, 20, 1), 30)).toBeNull();
    expect(await readLimited(stream(64 * 1024 + 1))).toBeNull();
    expect((await readLimited(null))!.length).toBe(0);
  });
});

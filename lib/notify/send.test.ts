import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '@/test-support/fixtures/notify-sinks';
import type { Resolve } from '@/lib/remote/url-safety';
import type { ChannelConfig } from './config';
import { SendError, sendToChannel } from './send';

const event = { type: 'test' as const, title: 'Test', text: 'hello', url: 'https://berth.test/alerts', at: '2031-01-01T00:00:00.000Z' };
let sink: HttpSink;
let tlsServer: https.Server;
let tlsPort: number;
let cert: string;
let dir: string;

beforeAll(async () => {
  sink = await startHttpSink();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-send-'));
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
      '/CN=hooks.test',
      '-addext',
      'subjectAltName=DNS:hooks.test',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
    ],
    { stdio: 'ignore' },
  );
  cert = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
  tlsServer = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as AddressInfo).port;
});
afterAll(async () => {
  await sink.close();
  tlsServer.closeAllConnections();
  await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sink.requests.length = 0;
  sink.reply(undefined);
});

/** A resolver that records every lookup and answers from `answers` (the last one repeats). */
function scripted(...answers: string[][]): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string) => {
    const list = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(host);
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

const sendError = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(SendError);
      return (e as SendError).message;
    },
  );

describe('HTTP sends are pinned to the address that was checked', () => {
  it('connects through the injected resolver: one lookup per send, and the request arrives', async () => {
    const resolve = scripted(['127.0.0.1']);
    await sendToChannel(
      { kind: 'webhook', url: `http://hooks.test:${sink.port}/in`, headerName: 'X-Key', headerValue: 'hdr-value-1' },
      event,
      { resolve },
    );
    expect(resolve.calls).toEqual(['hooks.test']);
    const [got] = sink.requests;
    expect(got).toMatchObject({ method: 'POST', path: '/in', body: { type: 'test', title: 'Test' } });
    expect(got!.headers).toMatchObject({
      host: `hooks.test:${sink.port}`,
      'content-type': 'application/json',
      'x-key': 'hdr-value-1',
      'user-agent': 'Berth-Notifier',
    });
  });

  it('never connects when the name resolves to a metadata address among good ones', async () => {
    const resolve = scripted(['127.0.0.1', '169.254.169.254']);
    const text = await sendError(sendToChannel({ kind: 'slack', url: `http://rebind.test:${sink.port}/services/x` }, event, { resolve }));
    expect(text).toMatch(/refused: rebind\.test resolves to 169\.254\.169\.254, which is link-local/);
    expect(sink.requests).toHaveLength(0);
  });

  it('DNS rebinding: a name that answered a good address before and the metadata address now is refused at connect', async () => {
    // The first answer is what a pre-check would have seen; the connection's own lookup gets the second.
    const resolve = scripted(['127.0.0.1'], ['169.254.169.254']);
    await sendToChannel({ kind: 'discord', url: `http://rebind.test:${sink.port}/a` }, event, { resolve });
    expect(sink.requests).toHaveLength(1);
    const text = await sendError(sendToChannel({ kind: 'discord', url: `http://rebind.test:${sink.port}/b` }, event, { resolve }));
    expect(text).toContain('169.254.169.254');
    expect(resolve.calls).toHaveLength(2);
    expect(sink.requests).toHaveLength(1);
  });

  it('refuses literal and named metadata targets without a lookup', async () => {
    const resolve = scripted(['127.0.0.1']);
    for (const url of ['http://169.254.169.254/latest', 'http://[fd00:ec2::254]/x', 'http://metadata.google.internal/x']) {
      expect(await sendError(sendToChannel({ kind: 'slack', url }, event, { resolve }))).toMatch(/refused/);
    }
    const telegram: ChannelConfig = {
      kind: 'telegram',
      botToken: '123456789:AAHsecretTelegramTokenPart_0123456789',
      chatId: '42',
      apiBase: 'http://169.254.169.254',
    };
    const text = await sendError(sendToChannel(telegram, event, { resolve }));
    expect(text).toMatch(/refused/);
    expect(text).not.toContain('AAHsecretTelegramTokenPart');
    expect(resolve.calls).toHaveLength(0);
  });

  it('verifies TLS against the URL name: an untrusted certificate fails, a trusted one for that name works', async () => {
    const resolve = scripted(['127.0.0.1']);
    const config: ChannelConfig = { kind: 'slack', url: `https://hooks.test:${tlsPort}/services/T/B/xyz` };
    expect(await sendError(sendToChannel(config, event, { resolve }))).toMatch(/SELF_SIGNED|self-signed|certificate/i);
    await sendToChannel(config, event, { resolve, ca: cert });
    // The same server by another name: the certificate does not match it.
    expect(await sendError(sendToChannel({ kind: 'slack', url: `https://other.test:${tlsPort}/x` }, event, { resolve, ca: cert }))).toMatch(
      /ERR_TLS_CERT_ALTNAME_INVALID|does not match/i,
    );
  });

  it('keeps the 300-character excerpt of a refusal, redacted, and the timeout', async () => {
    sink.reply((r) =>
      r.path.startsWith('/slow') ? { status: 200, delayMs: 2_000 } : { status: 403, body: `denied ${r.path} ${'x'.repeat(1000)}` },
    );
    const text = await sendError(sendToChannel({ kind: 'slack', url: `${sink.url}/hooks/secretHookPath-77` }, event));
    expect(text).toMatch(/^127\.0\.0\.1:\d+ answered HTTP 403: denied \[redacted\] x+$/);
    expect(text.length).toBeLessThan(400);
    const started = Date.now();
    expect(await sendError(sendToChannel({ kind: 'slack', url: `${sink.url}/slow` }, event, { timeoutMs: 300 }))).toMatch(
      /did not answer within 0\.3 s/,
    );
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { resolveHost } from '@/lib/remote/address';
import { bareHost, hostProblem, RefusedAddressError, safeLookup, type Resolve } from '@/lib/remote/url-safety';
import { Redactor } from '@/lib/remote/redact';
import { secretsOf, type ChannelConfig, type EmailConfig } from './config';
import { discordMessage, emailMessage, slackMessage, telegramMessage, webhookBody, type OutgoingEvent } from './format';

export const SEND_TIMEOUT_MS = 10_000;
/** Enough of a receiver's answer to say why it refused; the rest is noise (an HTML error page). */
const BODY_EXCERPT = 300;
/** Read this much of a refusal at most (the excerpt is taken after collapsing whitespace). */
const MAX_READ = 16 * 1024;

/** A send that did not go through. The message is redacted: it is stored, shown and logged as it is. */
export class SendError extends Error {
  override name = 'SendError';
}

/**
 * Everything a receiver or a library could echo back that gives a channel away: the secret fields
 * as they are, and the parts of them that travel separately (a webhook URL's path, a bot token
 * after its id, an SMTP password as AUTH PLAIN/LOGIN sends it).
 */
export function channelRedactor(config: ChannelConfig): Redactor {
  const secrets = secretsOf(config);
  for (const secret of [...secrets]) {
    if (!/^https?:\/\//.test(secret)) continue;
    try {
      const url = new URL(secret);
      const rest = `${url.pathname}${url.search}`;
      secrets.push(rest, decodeURIComponent(rest), url.href);
      for (const part of url.pathname.split('/')) if (part.length >= 12) secrets.push(part);
      for (const value of url.searchParams.values()) secrets.push(value);
    } catch {
      // Not a URL after all: the text as it is is already hidden.
    }
  }
  if (config.kind === 'telegram') secrets.push(`bot${config.botToken}`, config.botToken.split(':')[1]!);
  if (config.kind === 'email' && config.password) {
    secrets.push(
      Buffer.from(config.password).toString('base64'),
      Buffer.from(`\0${config.user ?? ''}\0${config.password}`).toString('base64'),
    );
  }
  return new Redactor(secrets);
}

export type SendOpts = {
  timeoutMs?: number;
  /** How HTTP receivers' names are resolved (tests inject one; every answer is still checked). */
  resolve?: Resolve;
  /** Extra trusted CAs for HTTPS receivers (tests with a self-signed receiver). */
  ca?: string | Buffer;
};
type PostOpts = { timeoutMs: number; resolve?: Resolve; ca?: string | Buffer };

/** Sends one event to one channel right now. Throws SendError (redacted) when it does not go through. */
export async function sendToChannel(config: ChannelConfig, event: OutgoingEvent, opts: SendOpts = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  const post: PostOpts = { timeoutMs, resolve: opts.resolve, ca: opts.ca };
  const hide = channelRedactor(config);
  try {
    switch (config.kind) {
      case 'webhook':
        return await postJson(
          config.url,
          webhookBody(event),
          post,
          config.headerName && config.headerValue ? { [config.headerName]: config.headerValue } : {},
        );
      case 'slack':
        return await postJson(config.url, slackMessage(event), post);
      case 'discord':
        return await postJson(config.url, discordMessage(event), post);
      case 'telegram':
        return await postJson(`${config.apiBase}/bot${config.botToken}/sendMessage`, telegramMessage(event, config.chatId), post);
      case 'email':
        return await sendMail(config, event, timeoutMs);
    }
  } catch (err) {
    const message = err instanceof SendError ? err.message : describe(err);
    throw new SendError(hide.redact(message).slice(0, 1000));
  }
}

/** Short text for a connection error: the code says what happened, the message says where. */
function describe(err: unknown): string {
  const e = err as Error & { code?: string };
  if (e instanceof RefusedAddressError) return `refused: ${e.message}`;
  if (e?.code) return `${e.code}: ${e.message}`;
  return e?.message ?? String(err);
}

/**
 * POSTs JSON over a connection pinned to a checked address: the name is resolved once, by
 * safeLookup at connect time, and every address it gives is refused when it is link-local or
 * metadata (so a name answering a good address now and 169.254.169.254 on the next lookup, DNS
 * rebinding, never reaches the latter). Literal addresses skip lookup, so they are judged first.
 * Redirects are not followed (node:http never does): a receiver that moves is a configuration
 * error, and following it would let it point us anywhere. One deadline covers connect, headers
 * and body; the socket is destroyed when it passes.
 */
function postJson(target: string, body: unknown, opts: PostOpts, headers: Record<string, string> = {}): Promise<void> {
  const url = new URL(target);
  const host = bareHost(url.hostname);
  const problem = hostProblem(host);
  if (problem) return Promise.reject(new SendError(`${url.host}: refused: ${problem}`));
  const payload = Buffer.from(JSON.stringify(body));
  const isHttps = url.protocol === 'https:';
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: SendError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolve();
    };
    const req = (isHttps ? https : http).request({
      protocol: url.protocol,
      host,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      agent: false,
      lookup: safeLookup(opts.resolve),
      // The header names config allows exclude the ones set here except User-Agent, which it may override.
      headers: {
        Host: url.host,
        'Content-Type': 'application/json',
        'Content-Length': String(payload.length),
        'User-Agent': 'Berth-Notifier',
        Connection: 'close',
        ...headers,
      },
      // TLS verifies the certificate against the URL's name (rejectUnauthorized stays on).
      ...(isHttps && { servername: net.isIP(host) ? undefined : host, ca: opts.ca }),
    });
    const timer = setTimeout(() => finish(new SendError(`${url.host} did not answer within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    req.on('error', (err) => finish(new SendError(`${url.host}: ${describe(err)}`)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return finish();
      let text = '';
      const done = () => {
        const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT);
        const moved = status >= 300 && status < 400 ? ' (redirects are not followed: use the final URL)' : '';
        finish(new SendError(`${url.host} answered HTTP ${status}${moved}${excerpt ? `: ${excerpt}` : ''}`));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length >= MAX_READ) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(payload);
  });
}

const SECURITY = {
  none: { secure: false, ignoreTLS: true },
  starttls: { secure: false, requireTLS: true },
  tls: { secure: true },
} as const;

async function sendMail(config: EmailConfig, event: OutgoingEvent, timeoutMs: number): Promise<void> {
  // Connect to the address we checked, while TLS still verifies the certificate against the name.
  const address = await resolveHost(config.host);
  const transport = nodemailer.createTransport({
    host: address,
    port: config.port,
    ...SECURITY[config.security],
    ...(net.isIP(config.host) ? {} : { tls: { servername: config.host } }),
    name: 'berth',
    auth: config.user ? { user: config.user, pass: config.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const { subject, text } = emailMessage(event);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      transport.sendMail({ from: config.from, to: config.to, subject, text }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new SendError(`${config.host}:${config.port} did not finish within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    if (err instanceof SendError) throw err;
    throw new SendError(`${config.host}:${config.port}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import { resolveHost } from '@/lib/remote/address';
import { Redactor } from '@/lib/remote/redact';
import { secretsOf, type ChannelConfig, type EmailConfig } from './config';
import { discordMessage, emailMessage, slackMessage, telegramMessage, webhookBody, type OutgoingEvent } from './format';

export const SEND_TIMEOUT_MS = 10_000;
/** Enough of a receiver's answer to say why it refused; the rest is noise (an HTML error page). */
const BODY_EXCERPT = 300;

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
    secrets.push(Buffer.from(config.password).toString('base64'), Buffer.from(`\0${config.user ?? ''}\0${config.password}`).toString('base64'));
  }
  return new Redactor(secrets);
}

type SendOpts = { timeoutMs?: number };

/** Sends one event to one channel right now. Throws SendError (redacted) when it does not go through. */
export async function sendToChannel(config: ChannelConfig, event: OutgoingEvent, opts: SendOpts = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  const hide = channelRedactor(config);
  try {
    switch (config.kind) {
      case 'webhook':
        return await postJson(config.url, webhookBody(event), timeoutMs, config.headerName && config.headerValue ? { [config.headerName]: config.headerValue } : {});
      case 'slack':
        return await postJson(config.url, slackMessage(event), timeoutMs);
      case 'discord':
        return await postJson(config.url, discordMessage(event), timeoutMs);
      case 'telegram':
        return await postJson(`${config.apiBase}/bot${config.botToken}/sendMessage`, telegramMessage(event, config.chatId), timeoutMs);
      case 'email':
        return await sendMail(config, event, timeoutMs);
    }
  } catch (err) {
    const message = err instanceof SendError ? err.message : describe(err);
    throw new SendError(hide.redact(message).slice(0, 1000));
  }
}

/** fetch's own errors say "fetch failed"; the cause says what happened. */
function describe(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e?.name === 'TimeoutError') return e.message;
  const cause = e?.cause;
  if (cause) return `${cause.code ?? cause.name}: ${cause.message}`;
  return e?.message ?? String(err);
}

/**
 * The host is resolved and checked before connecting (a name may point at a metadata address the
 * form could not see). Redirects are not followed: a receiver that moves is a configuration error,
 * and following it would let it point us anywhere.
 */
async function postJson(target: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const url = new URL(target);
  await resolveHost(url.hostname.replace(/^\[|\]$/g, ''));
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Berth-Notifier', ...headers }, body: JSON.stringify(body), redirect: 'manual', signal });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new SendError(`${url.host} did not answer within ${timeoutMs / 1000} s`);
    throw new SendError(`${url.host}: ${describe(err)}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT);
  const moved = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: use the final URL)' : '';
  throw new SendError(`${url.host} answered HTTP ${res.status}${moved}${excerpt ? `: ${excerpt}` : ''}`);
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
    ...(isIP(config.host) ? {} : { tls: { servername: config.host } }),
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
        timer = setTimeout(() => reject(new SendError(`${config.host}:${config.port} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
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

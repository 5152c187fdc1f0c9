import { z } from 'zod';
import { multiLine, singleLine, trimmedLine } from '@/lib/model/text';
import type { ChannelKind } from '@/lib/model/notifications';
import { CONFIG_FIELDS, DEFAULT_TELEGRAM_API, SECRET_FIELDS } from './fields';

export { DEFAULT_TELEGRAM_API };
import { hostProblem, httpUrlProblem } from '@/lib/remote/url-safety';

/**
 * What each channel kind needs, validated per kind. The whole config is sealed as one JSON value,
 * so every field (secret or not) is at rest encrypted; SECRET_FIELDS says which ones the UI never
 * shows back.
 */
const checked = (problem: (text: string) => string | null, max = 2000) =>
  trimmedLine(max).superRefine((text, ctx) => {
    const why = problem(text);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

const httpUrl = checked((t) => (t === '' ? 'Enter the URL' : httpUrlProblem(t)));
/** Header values, SMTP user and password: one line, as the protocols carry them. */
const optional = trimmedLine(1000)
  .optional()
  .transform((v) => (v ? v : undefined));

// Headers fetch sets itself, or that would change what the request means.
const RESERVED_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'connection',
  'transfer-encoding',
  'expect',
  'upgrade',
  'te',
  'trailer',
]);

export const webhookConfig = z
  .object({
    url: httpUrl,
    headerName: optional.refine(
      (v) => v === undefined || (/^[A-Za-z0-9-]{1,64}$/.test(v) && !RESERVED_HEADERS.has(v.toLowerCase())),
      'A header name is letters, digits and hyphens, and not one HTTP sets itself',
    ),
    headerValue: optional.refine((v) => v === undefined || !/[\r\n]/.test(v), 'A header value is one line'),
  })
  .superRefine((c, ctx) => {
    if (c.headerName && !c.headerValue)
      ctx.addIssue({ code: 'custom', path: ['headerValue'], message: 'Enter the header value (the secret the receiver checks)' });
    if (c.headerValue && !c.headerName)
      ctx.addIssue({ code: 'custom', path: ['headerName'], message: 'Name the header the value is sent in' });
  });

export const slackConfig = z.object({ url: httpUrl });
export const discordConfig = z.object({ url: httpUrl });

export const telegramConfig = z.object({
  botToken: trimmedLine(200).regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'A bot token looks like 123456789:AA… (from @BotFather)'),
  chatId: trimmedLine(100).regex(
    /^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/,
    'A chat id is a number (groups are negative) or @channelname',
  ),
  apiBase: trimmedLine(2000)
    .optional()
    .transform((v) => (v ? v.replace(/\/+$/, '') : DEFAULT_TELEGRAM_API))
    .pipe(checked(httpUrlProblem)),
});

export const SMTP_SECURITY = ['none', 'starttls', 'tls'] as const;
const emailAddress = singleLine(254).pipe(z.email('Enter an email address like alerts@example.com'));
export const emailConfig = z
  .object({
    host: checked((t) => hostProblem(t), 300),
    port: z.coerce
      .number({ message: 'Enter a port number' })
      .int('Enter a port number')
      .min(1, 'A port is 1-65535')
      .max(65535, 'A port is 1-65535'),
    security: z.enum(SMTP_SECURITY, 'Pick none, STARTTLS or TLS'),
    user: optional,
    password: optional,
    from: trimmedLine(254).pipe(emailAddress),
    to: multiLine(20 * 256)
      .trim()
      .min(1, 'Enter at least one recipient')
      .transform((v) => v.split(/[,\s]+/).filter(Boolean))
      .pipe(z.array(emailAddress).max(20, 'At most 20 recipients')),
  })
  .superRefine((c, ctx) => {
    if (c.user && !c.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'Enter the SMTP password for this user' });
    if (c.password && !c.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'Enter the SMTP user the password belongs to' });
  });

export const CONFIG_SCHEMAS = {
  webhook: webhookConfig,
  slack: slackConfig,
  discord: discordConfig,
  telegram: telegramConfig,
  email: emailConfig,
} as const;

export type WebhookConfig = z.output<typeof webhookConfig>;
export type SlackConfig = z.output<typeof slackConfig>;
export type DiscordConfig = z.output<typeof discordConfig>;
export type TelegramConfig = z.output<typeof telegramConfig>;
export type EmailConfig = z.output<typeof emailConfig>;
export type ChannelConfig =
  | ({ kind: 'webhook' } & WebhookConfig)
  | ({ kind: 'slack' } & SlackConfig)
  | ({ kind: 'discord' } & DiscordConfig)
  | ({ kind: 'telegram' } & TelegramConfig)
  | ({ kind: 'email' } & EmailConfig);

export { CONFIG_FIELDS, SECRET_FIELDS };

export type ConfigResult = { ok: true; config: ChannelConfig } | { ok: false; fieldErrors: Record<string, string[]> };

/** Validates a kind's fields (strings from a form, or a stored config) into a config; every error, by field. */
export function parseChannelConfig(kind: ChannelKind, fields: Record<string, unknown>): ConfigResult {
  const picked = Object.fromEntries(CONFIG_FIELDS[kind].map((f) => [f, fields[f]]));
  const parsed = CONFIG_SCHEMAS[kind].safeParse(picked);
  if (parsed.success) return { ok: true, config: { kind, ...parsed.data } as ChannelConfig };
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
  }
  return { ok: false, fieldErrors };
}

/** The values of the config that are secrets, for redaction. */
export function secretsOf(config: ChannelConfig): string[] {
  const record = config as unknown as Record<string, unknown>;
  return SECRET_FIELDS[config.kind].map((f) => record[f]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * What the UI may show about a channel: the non-secret fields, where it sends (a host, never a URL
 * path), and `host` alone (the server it talks to) for those who may not see the settings.
 */
export function publicView(config: ChannelConfig): { fields: Record<string, string>; target: string; host: string } {
  const record = config as unknown as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const f of CONFIG_FIELDS[config.kind]) {
    if (SECRET_FIELDS[config.kind].includes(f)) continue;
    const v = record[f];
    if (v !== undefined) fields[f] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  const hostOf = (url: string) => {
    try {
      return new URL(url).host;
    } catch {
      return '?';
    }
  };
  const target = {
    webhook: () => hostOf(record.url as string),
    slack: () => hostOf(record.url as string),
    discord: () => hostOf(record.url as string),
    telegram: () => `chat ${record.chatId as string}`,
    email: () => `${(record.to as string[]).join(', ')} via ${record.host as string}:${record.port as number}`,
  }[config.kind]();
  const host =
    config.kind === 'telegram' ? hostOf(config.apiBase) : config.kind === 'email' ? `${config.host}:${config.port}` : hostOf(config.url);
  return { fields, target, host };
}

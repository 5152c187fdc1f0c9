import type { ChannelKind, NotifyEventType } from '@/lib/model/notifications';

/**
 * The form side of channel settings, shared by the validation (lib/notify/config.ts) and the
 * browser form: plain data, no server-only imports.
 */

/** Every settings field of each kind, in display order. */
export const CONFIG_FIELDS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url', 'headerName', 'headerValue'],
  slack: ['url'],
  discord: ['url'],
  telegram: ['botToken', 'chatId', 'apiBase'],
  email: ['host', 'port', 'security', 'user', 'password', 'from', 'to'],
};

/** Fields never shown back: a webhook URL is a credential (Slack's and Discord's are the whole secret). */
export const SECRET_FIELDS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url', 'headerValue'],
  slack: ['url'],
  discord: ['url'],
  telegram: ['botToken'],
  email: ['password'],
};

export const KIND_LABELS: Record<ChannelKind, string> = {
  webhook: 'Webhook (JSON)',
  slack: 'Slack',
  discord: 'Discord',
  telegram: 'Telegram',
  email: 'Email (SMTP)',
};

export const EVENT_LABELS: Record<NotifyEventType, string> = {
  'monitor.down': 'Monitor down',
  'monitor.up': 'Monitor up again',
  'release.failed': 'Release failed',
  'release.rolled_back': 'Release rolled back automatically',
  'release.succeeded': 'Release live (opt-in)',
  'server.unreachable': 'Server unreachable',
  'server.host_key_mismatch': 'Server host key changed',
  'fpm.max_children': 'PHP-FPM pool at max_children',
  'drift.detected': 'Changed outside Berth (drift)',
  'backup.failed': 'Backup, verification or restore drill failed',
};

export type FieldSpec = {
  label: string;
  hint?: string;
  type?: 'text' | 'url' | 'password' | 'number' | 'email';
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
};

export const FIELD_SPECS: Record<string, FieldSpec> = {
  url: { label: 'URL', type: 'url', placeholder: 'https://…' },
  headerName: {
    label: 'Secret header name (optional)',
    placeholder: 'X-Berth-Secret',
    hint: 'Sent with every request so the receiver can check it is Berth.',
  },
  headerValue: { label: 'Secret header value', type: 'password' },
  botToken: { label: 'Bot token', type: 'password', hint: 'From @BotFather, like 123456789:AA…' },
  chatId: { label: 'Chat id', placeholder: '-1001234567890 or @channel' },
  apiBase: { label: 'API base URL (optional)', type: 'url', placeholder: 'https://api.telegram.org' },
  host: { label: 'SMTP host', placeholder: 'smtp.example.com' },
  port: { label: 'Port', type: 'number', placeholder: '587' },
  security: {
    label: 'Security',
    options: [
      { value: 'starttls', label: 'STARTTLS (usually port 587)' },
      { value: 'tls', label: 'TLS (usually port 465)' },
      { value: 'none', label: 'None (local relays only)' },
    ],
  },
  user: { label: 'User (optional)' },
  password: { label: 'Password', type: 'password' },
  from: { label: 'From', type: 'email', placeholder: 'berth@example.com' },
  to: { label: 'To', placeholder: 'ops@example.com, oncall@example.com', hint: 'One or more addresses, separated by commas.' },
};

export const DEFAULT_TELEGRAM_API = 'https://api.telegram.org';

/**
 * Where each kind sends its secrets. A stored secret is only kept while these stay as they were:
 * otherwise an admin who never knew it could point the channel at their own server, leave the
 * secret blank and have Berth hand it over (a bot token in the URL, a password in SMTP AUTH, a
 * header value). SMTP security counts too: dropping to "none" would send the password in clear.
 * The forms (lib/notify/channels.ts) and definitions (lib/notify/define-channel.ts) both hold to it.
 */
export const DESTINATION_FIELDS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url'],
  slack: ['url'],
  discord: ['url'],
  telegram: ['apiBase'],
  email: ['host', 'port', 'security'],
};

/** A destination field as stored, or as typed (a blank field means "as stored" only for secrets, which `merged` already holds). */
export function normalDestination(field: string, value: unknown): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (field === 'apiBase') return (text || DEFAULT_TELEGRAM_API).replace(/\/+$/, '');
  if (field === 'host') return text.toLowerCase().replace(/\.$/, '');
  if (field === 'port') return /^\d+$/.test(text) ? String(Number(text)) : text;
  return text;
}

/** Whether a channel's destination differs between two settings (a kept secret would then go somewhere new). */
export const destinationMoved = (kind: ChannelKind, from: Record<string, unknown>, to: Record<string, unknown>) =>
  DESTINATION_FIELDS[kind].some((f) => normalDestination(f, from[f]) !== normalDestination(f, to[f]));

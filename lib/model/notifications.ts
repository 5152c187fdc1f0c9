/** Where alerts can go. */
export const CHANNEL_KINDS = ['webhook', 'slack', 'discord', 'telegram', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** What a channel can be told about, in the order the channel form lists them. */
export const NOTIFY_EVENTS = [
  'monitor.down',
  'monitor.up',
  'release.failed',
  'release.rolled_back',
  'release.succeeded',
  'server.unreachable',
  'server.host_key_mismatch',
  'fpm.max_children',
  'drift.detected',
  'backup.failed',
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENTS)[number];
/** What a new channel is subscribed to: every alert, not the opt-in good news. */
export const DEFAULT_EVENTS = NOTIFY_EVENTS.filter((e) => e !== 'release.succeeded');

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

import type { NotificationChannel } from '@/db/schema';
import { open, seal, type KeyRing } from '@/lib/crypto';
import type { ChannelConfig } from './config';
import { channelConfigAad } from '@/db/sealed-aad';

/** Seals the whole config as one JSON value, bound to the channel's id. */
export function sealChannelConfig(ring: KeyRing, channelId: string, config: ChannelConfig): string {
  return seal(ring, JSON.stringify(config), channelConfigAad(channelId));
}

/** Throws SealError when the value does not open (wrong key, moved from another row). */
export function openChannelConfig(ring: KeyRing, channel: Pick<NotificationChannel, 'id' | 'kind' | 'configSealed'>): ChannelConfig {
  const config = JSON.parse(open(ring, channel.configSealed, channelConfigAad(channel.id))) as Partial<ChannelConfig>;
  // The row's kind is the truth (a config written without one takes it); one sealed for another kind is a bug, not something to send.
  if (config.kind && config.kind !== channel.kind)
    throw new Error(`the sealed settings are for a ${config.kind} channel, not ${channel.kind}`);
  return { ...config, kind: channel.kind } as ChannelConfig;
}

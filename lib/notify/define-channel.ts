import { randomUUID } from 'node:crypto';
import type { Db } from '@/db';
import { insertChannel, listChannels, updateChannel } from '@/db/queries/notifications';
import type { NotificationChannel } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import type { ChannelKind, NotifyEventType } from '@/lib/model/notifications';
import { openChannelConfig, sealChannelConfig } from './channel-config';
import { parseChannelConfig, type ChannelConfig } from './config';

/** A channel as a definition states it: plain settings, and the secret fields it refers to (their values stay in the panel). */
export type ChannelDefinition = {
  name: string;
  kind: ChannelKind;
  events: NotifyEventType[];
  enabled: boolean;
  settings: Record<string, string | number>;
  secretFields: string[];
};

/**
 * Creates or updates a channel from a definition. Secret fields keep the value this panel holds
 * for the channel; one it does not hold is listed in `needs_value`, and the channel sends nothing
 * until an admin types it in the channel's form.
 */
export async function defineChannel(db: Db, ring: KeyRing, def: ChannelDefinition): Promise<NotificationChannel> {
  const existing = (await listChannels(db)).find((c) => c.name === def.name);
  if (existing && existing.kind !== def.kind)
    throw new ActionError(`The channel ${def.name} is a ${existing.kind} channel; its kind cannot change.`);
  const stored = existing ? (openChannelConfig(ring, existing) as unknown as Record<string, unknown>) : {};
  const fields: Record<string, unknown> = { ...def.settings };
  const missing: string[] = [];
  for (const f of def.secretFields) {
    if (typeof stored[f] === 'string' && stored[f] !== '') fields[f] = stored[f];
    else missing.push(f);
  }
  let config: ChannelConfig;
  if (missing.length === 0) {
    const parsed = parseChannelConfig(def.kind, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])));
    if (!parsed.ok)
      throw new ActionError(
        `The channel ${def.name}: ${Object.entries(parsed.fieldErrors)
          .map(([f, e]) => `${f}: ${e.join(', ')}`)
          .join('; ')}`,
      );
    config = parsed.config;
  } else {
    // Not checkable without its secrets: kept as written, checked in full when the values are set.
    config = { kind: def.kind, ...fields } as unknown as ChannelConfig;
  }
  const id = existing?.id ?? randomUUID();
  const row = {
    name: def.name,
    events: def.events,
    enabled: def.enabled,
    configSealed: sealChannelConfig(ring, id, config),
    needsValue: missing,
  };
  if (!existing) return insertChannel(db, { id, kind: def.kind, ...row });
  await updateChannel(db, id, row);
  return { ...existing, ...row };
}

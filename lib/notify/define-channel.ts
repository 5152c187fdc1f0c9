import { randomUUID } from 'node:crypto';
import type { Db } from '@/db';
import { insertChannel, listChannels, updateChannel } from '@/db/queries/notifications';
import type { NotificationChannel } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import type { ChannelKind, NotifyEventType } from '@/lib/model/notifications';
import { openChannelConfig, sealChannelConfig } from './channel-config';
import { parseChannelConfig, type ChannelConfig } from './config';
import { CONFIG_FIELDS, destinationMoved, SECRET_FIELDS } from './fields';

/** A channel as a definition states it: plain settings, and the secret fields it refers to (their values stay in the panel). */
export type ChannelDefinition = {
  name: string;
  kind: ChannelKind;
  events: NotifyEventType[];
  enabled: boolean;
  settings: Record<string, string | number>;
  secretFields: string[];
};

/** Values that pass each secret field's own check, so the other fields can be checked and normalized without the secrets. */
const STAND_IN: Record<string, string> = {
  url: 'https://stand-in.example/',
  headerValue: 'stand-in',
  botToken: '1:standinstandinstandinstandin',
  password: 'stand-in',
};

export type SettingsResult = { ok: true; settings: Record<string, string | number> } | { ok: false; fieldErrors: Record<string, string[]> };

/**
 * A channel's non-secret settings checked by its kind's own rules and written as export writes
 * them (recipients joined, the port a number, Telegram's API base filled in), so that what a file
 * says and what the panel stores compare equal. Secret fields are checked by stand-ins and left out.
 */
export function normalChannelSettings(kind: ChannelKind, plain: Record<string, string | number>, secretFields: string[]): SettingsResult {
  const fields: Record<string, string> = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, String(v)]));
  for (const f of secretFields) fields[f] = STAND_IN[f] ?? 'stand-in';
  const parsed = parseChannelConfig(kind, fields);
  if (!parsed.ok) return parsed;
  return { ok: true, settings: publicSettings(kind, parsed.config as unknown as Record<string, unknown>) };
}

/** The non-secret settings of a config, as a definition writes them. */
export function publicSettings(kind: ChannelKind, config: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const f of CONFIG_FIELDS[kind]) {
    if (SECRET_FIELDS[kind].includes(f)) continue;
    const v = config[f];
    if (v !== undefined && v !== '') out[f] = Array.isArray(v) ? v.join(', ') : (v as string | number);
  }
  return out;
}

/**
 * Creates or updates a channel from a definition. Secret fields keep the value this panel holds
 * for the channel, unless the file sends the channel somewhere else (the forms' rule: a kept
 * secret never follows a new destination). One it does not hold is listed in `needs_value`, and
 * the channel sends nothing until an admin types it in the channel's form.
 */
export async function defineChannel(db: Db, ring: KeyRing, def: ChannelDefinition): Promise<NotificationChannel> {
  const existing = (await listChannels(db)).find((c) => c.name === def.name);
  if (existing && existing.kind !== def.kind)
    throw new ActionError(`The channel ${def.name} is a ${existing.kind} channel; its kind cannot change.`);
  const normal = normalChannelSettings(def.kind, def.settings, def.secretFields);
  if (!normal.ok)
    throw new ActionError(
      `The channel ${def.name}: ${Object.entries(normal.fieldErrors)
        .map(([f, e]) => `${f}: ${e.join(', ')}`)
        .join('; ')}`,
    );
  const stored = existing ? (openChannelConfig(ring, existing) as unknown as Record<string, unknown>) : {};
  const keep = existing !== undefined && !destinationMoved(def.kind, stored, normal.settings);
  const fields: Record<string, unknown> = { ...normal.settings };
  const missing: string[] = [];
  for (const f of def.secretFields) {
    if (keep && typeof stored[f] === 'string' && stored[f] !== '') fields[f] = stored[f];
    else missing.push(f);
  }
  let config: ChannelConfig;
  if (missing.length === 0) {
    const parsed = parseChannelConfig(def.kind, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])));
    if (!parsed.ok) throw new ActionError(`The channel ${def.name}: ${Object.keys(parsed.fieldErrors).join(', ')} do not check out`);
    config = parsed.config;
  } else {
    // Checked without its secrets (above); checked in full when an admin sets them in the form.
    const parsed = parseChannelConfig(def.kind, {
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])),
      ...Object.fromEntries(missing.map((f) => [f, STAND_IN[f] ?? 'stand-in'])),
    });
    if (!parsed.ok) throw new ActionError(`The channel ${def.name}: ${Object.keys(parsed.fieldErrors).join(', ')} do not check out`);
    const partial = parsed.config as unknown as Record<string, unknown>;
    for (const f of missing) delete partial[f];
    config = partial as unknown as ChannelConfig;
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

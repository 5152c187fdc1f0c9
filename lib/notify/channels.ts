import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import type { Db } from '@/db';
import {
  deleteChannel,
  findChannel,
  insertChannel,
  insertNotification,
  listChannels,
  recordChannelError,
  recordChannelSuccess,
  updateChannel,
} from '@/db/queries/notifications';
import { CHANNEL_KINDS, NOTIFY_EVENTS, type ChannelKind, type NotifyEventType } from '@/lib/model/notifications';
import type { NotificationChannel } from '@/db/schema';
import { ActionError, type FieldErrors } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { openChannelConfig, sealChannelConfig } from './channel-config';
import { SECRET_FIELDS, parseChannelConfig, publicView, type ChannelConfig } from './config';
export const RETYPE_SECRET = 'Enter it again: the destination changed';
import { DESTINATION_FIELDS, normalDestination } from './fields';
import type { OutgoingEvent } from './format';
import { alertsLink } from './links';
import { SendError, sendToChannel } from './send';

/**
 * The action's own schema only routes the request; every field (name, events, the kind's
 * settings) is checked here in one pass, so the form gets all of its errors at once.
 */
export const channelFormInput = z.looseObject({ id: z.uuid().optional(), kind: z.enum(CHANNEL_KINDS, 'Pick a channel kind').optional() });

const nameInput = trimmedLine(80).min(1, 'Name the channel');
const eventsInput = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z
    .array(z.enum(NOTIFY_EVENTS, 'Unknown event'))
    .min(1, 'Pick at least one event')
    .transform((list) => [...new Set(list)]),
);

/** A kept secret only stays while the field it belongs to is still set (clearing the user clears the password). */
const SECRET_NEEDS: Record<string, string> = { headerValue: 'headerName', password: 'user' };

type Validated = { name: string; events: NotifyEventType[]; config: ChannelConfig };

function validate(kind: ChannelKind, fields: Record<string, unknown>, stored?: ChannelConfig): Validated {
  const merged: Record<string, unknown> = { ...fields };
  const errors: FieldErrors = {};
  if (stored) {
    const kept = stored as unknown as Record<string, unknown>;
    const isBlank = (f: string) => typeof merged[f] !== 'string' || (merged[f] as string).trim() === '';
    // A secret destination (a webhook URL) left blank is kept, so it counts as unchanged.
    const moved = DESTINATION_FIELDS[kind].some(
      (f) => !(SECRET_FIELDS[kind].includes(f) && isBlank(f)) && normalDestination(f, merged[f]) !== normalDestination(f, kept[f]),
    );
    for (const f of SECRET_FIELDS[kind]) {
      const companion = SECRET_NEEDS[f];
      const companionSet = !companion || !isBlank(companion);
      if (!isBlank(f) || !companionSet || typeof kept[f] !== 'string' || kept[f] === '') continue;
      if (moved) errors[f] = [RETYPE_SECRET];
      else merged[f] = kept[f];
    }
  }
  const name = nameInput.safeParse(fields.name ?? '');
  if (!name.success) errors.name = name.error.issues.map((i) => i.message);
  const events = eventsInput.safeParse(fields.events);
  if (!events.success) errors.events = [...new Set(events.error.issues.map((i) => i.message))];
  const config = parseChannelConfig(kind, merged);
  // A secret to type again says so, rather than the schema's "enter the value" for a blank field.
  if (!config.ok) for (const [f, list] of Object.entries(config.fieldErrors)) errors[f] ??= list;
  if (!name.success || !events.success || !config.ok || Object.keys(errors).length > 0)
    throw new ActionError('Please correct the highlighted fields.', errors);
  return { name: name.data, events: events.data, config: config.config };
}

/**
 * Creates a channel, or updates one (its kind stays; secret fields left blank keep their stored
 * value, unless the channel now sends somewhere else: then each must be typed again).
 */
export async function saveChannel(db: Db, ring: KeyRing, fields: Record<string, unknown>): Promise<NotificationChannel> {
  const id = typeof fields.id === 'string' && fields.id ? fields.id : undefined;
  if (!id) {
    const kind = z.enum(CHANNEL_KINDS).safeParse(fields.kind);
    if (!kind.success) throw new ActionError('Please correct the highlighted fields.', { kind: ['Pick a channel kind'] });
    const v = validate(kind.data, fields);
    const newId = randomUUID();
    return insertChannel(db, {
      id: newId,
      name: v.name,
      kind: kind.data,
      events: v.events,
      configSealed: sealChannelConfig(ring, newId, v.config),
    });
  }
  const existing = await findChannel(db, id);
  if (!existing) throw new ActionError('That channel no longer exists.');
  let stored: ChannelConfig | undefined;
  try {
    stored = openChannelConfig(ring, existing);
  } catch {
    // Unreadable (another key): the form must then carry every secret again, which validation enforces.
  }
  const v = validate(existing.kind, fields, stored);
  await updateChannel(db, id, { name: v.name, events: v.events, configSealed: sealChannelConfig(ring, id, v.config), needsValue: [] });
  return (await findChannel(db, id))!;
}

export async function setChannelEnabled(db: Db, id: string, enabled: boolean): Promise<void> {
  if (!(await updateChannel(db, id, { enabled }))) throw new ActionError('That channel no longer exists.');
}

/** Deleting a channel drops its queued and past deliveries with it (cascade). */
export async function removeChannel(db: Db, id: string): Promise<NotificationChannel> {
  const row = await deleteChannel(db, id);
  if (!row) throw new ActionError('That channel no longer exists.');
  return row;
}

export type TestOutcome = { ok: true } | { ok: false; error: string };

/**
 * "Send test": straight to the receiver (not through the outbox), the outcome recorded on the
 * channel and under Recent deliveries, as a test send (event type `test`).
 */
export async function sendTestNotification(
  db: Db,
  ring: KeyRing,
  id: string,
  opts: { now?: Date; base?: string; timeoutMs?: number } = {},
): Promise<TestOutcome> {
  const channel = await findChannel(db, id);
  if (!channel) throw new ActionError('That channel no longer exists.');
  const at = opts.now ?? new Date();
  const event: OutgoingEvent = {
    type: 'test',
    title: 'Test notification from Berth',
    text: `This is a test of the channel "${channel.name}". If you can read this, Berth's alerts reach you here.`,
    url: alertsLink(opts.base),
    at: at.toISOString(),
  };
  let error: string | null = null;
  try {
    await sendToChannel(openChannelConfig(ring, channel), event, { timeoutMs: opts.timeoutMs });
  } catch (err) {
    error = err instanceof SendError ? err.message : `The channel's settings cannot be used: ${(err as Error).message}`;
  }
  // Listed under Recent deliveries like any send, but written once it is over (sent or failed,
  // never pending), so the delivery loop never picks it up to retry, and its own dedupe key keeps
  // it out of the repeat windows of real alerts.
  await insertNotification(db, {
    channelId: id,
    event,
    dedupeKey: `test:${id}`,
    status: error === null ? 'sent' : 'failed',
    attempts: 1,
    lastError: error,
    createdAt: at,
    nextAttemptAt: at,
    sentAt: error === null ? at : null,
  });
  if (error === null) {
    await recordChannelSuccess(db, id, at);
    return { ok: true };
  }
  await recordChannelError(db, id, error, at);
  return { ok: false, error };
}

/** A channel as anyone signed in may see it: where it sends (the host only), what for, and how it went. */
export type ChannelSummary = {
  id: string;
  name: string;
  kind: ChannelKind;
  events: string[];
  enabled: boolean;
  lastSentAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Where it sends: the host only for viewers; for admins also the chat id or recipients. */
  target: string;
  /** Set when the stored settings cannot be opened (a key problem). */
  unreadable: string | null;
};

/** What an admin's edit form needs on top: the non-secret settings. Secrets are never part of it. */
export type ChannelView = ChannelSummary & {
  /** The non-secret settings, to prefill the edit form. */
  fields: Record<string, string>;
  /** The secret fields that hold a stored value (shown masked, never sent to the browser). */
  storedSecrets: string[];
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Channels as the alerts page may show them. `manage: false` (a viewer) gets summaries only: the
 * settings (SMTP user, recipients, header names, chat ids, API bases) stay on the server, as the
 * rows are client components and everything passed to them reaches the browser.
 */
export async function channelViews(db: Db, ring: KeyRing, opts: { manage: true }): Promise<ChannelView[]>;
export async function channelViews(db: Db, ring: KeyRing, opts: { manage: boolean }): Promise<ChannelSummary[]>;
export async function channelViews(db: Db, ring: KeyRing, opts: { manage: boolean }): Promise<ChannelSummary[]> {
  const rows = await listChannels(db);
  return rows.map((c) => {
    const base = {
      id: c.id,
      name: c.name,
      kind: c.kind,
      events: c.events,
      enabled: c.enabled,
      lastSentAt: iso(c.lastSentAt),
      lastError: c.lastError,
      lastErrorAt: iso(c.lastErrorAt),
    };
    let config: ChannelConfig;
    try {
      config = openChannelConfig(ring, c);
    } catch (err) {
      const unreadable = (err as Error).message;
      return opts.manage ? { ...base, target: '?', fields: {}, storedSecrets: [], unreadable } : { ...base, target: '?', unreadable };
    }
    const view = publicView(config);
    if (!opts.manage) return { ...base, target: view.host, unreadable: null };
    const record = config as unknown as Record<string, unknown>;
    const storedSecrets = SECRET_FIELDS[c.kind].filter((f) => typeof record[f] === 'string' && record[f] !== '');
    return { ...base, target: view.target, fields: view.fields, storedSecrets, unreadable: null };
  });
}

import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { CHANNEL_KINDS, DELIVERY_STATUSES, type NotifyEventType } from '@/lib/model/notifications';

/**
 * Where alerts go. The channel's settings (webhook URLs, bot tokens, SMTP credentials) are
 * secrets, sealed as one JSON value with AAD `notification_channels:<id>:config`.
 */
export const notificationChannels = pgTable('notification_channels', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
  configSealed: text('config_sealed').notNull(),
  /** The event types this channel receives. */
  events: text('events').array().notNull().default(sql`'{}'::text[]`),
  enabled: boolean('enabled').notNull().default(true),
  /** Secret fields a definition referenced that this panel does not hold yet: nothing is sent until an admin sets them. */
  needsValue: text('needs_value').array().notNull().default(sql`'{}'::text[]`),
  lastSentAt: timestamp('last_sent_at', { withTimezone: true }),
  lastError: text('last_error'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** What a notification says; no secrets, it is stored in the clear and sent to third parties. */
export type NotifyEvent = {
  type: NotifyEventType;
  title: string;
  text: string;
  /** A panel link (absolute) to what the event is about. */
  url?: string;
  appId?: string;
  serverId?: string;
  monitorId?: string;
  releaseId?: string;
  at: string;
};

/** A stored delivery's event: an alert, or a "Send test" (type `test`), recorded after it was sent and never queued. */
export type StoredEvent = Omit<NotifyEvent, 'type'> & { type: NotifyEventType | 'test' };

/**
 * The outbox: one row per event per channel, sent by the delivery loop with retries and
 * backoff. `dedupeKey` groups repeats of the same alert so they can be rate-limited.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    event: jsonb('event').$type<StoredEvent>().notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('notifications_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('notifications_channel_idx').on(t.channelId, t.createdAt),
    index('notifications_dedupe_idx').on(t.channelId, t.dedupeKey, t.createdAt),
  ],
);

export type NotificationChannel = typeof notificationChannels.$inferSelect;
export type Notification = typeof notifications.$inferSelect;

import { pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { releases } from './releases';

/** An app's deploy webhook: its secret sealed with AAD `apps:<appId>:webhookSecret`. */
export const appWebhooks = pgTable('app_webhooks', {
  appId: uuid('app_id')
    .primaryKey()
    .references(() => apps.id, { onDelete: 'cascade' }),
  sealedSecret: text('sealed_secret').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Deliveries already accepted, keyed by their signature (unique per signed body), so a replayed
 * request is refused; the body's timestamp bounds how long rows need keeping.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    signature: text('signature').notNull(),
    releaseId: uuid('release_id').references(() => releases.id, { onDelete: 'set null' }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.signature] })],
);

export type AppWebhook = typeof appWebhooks.$inferSelect;

import { boolean, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';

/**
 * An app's environment, one sealed value per key (AAD `apps:<appId>:env:<KEY>`). `managed` marks
 * values Berth generated (database and Redis credentials); the env editor shows them as such.
 */
export const appEnvValues = pgTable(
  'app_env_values',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    sealedValue: text('sealed_value').notNull(),
    managed: boolean('managed').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.key] })],
);

export type AppEnvValue = typeof appEnvValues.$inferSelect;

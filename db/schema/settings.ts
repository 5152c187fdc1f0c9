import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Small instance-wide values: the setup token's hash, the master key check value. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Setting = typeof settings.$inferSelect;

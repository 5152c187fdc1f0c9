import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Failed-login counters per account and per client address, shared by every panel process. */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
});

export type LoginThrottle = typeof loginThrottle.$inferSelect;

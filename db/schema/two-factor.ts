import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * A user's TOTP authenticator. A row with `enabledAt` null is an enrolment not yet confirmed by a
 * first valid code: it does not guard sign-in. The secret is sealed with the user id as AAD
 * (db/sealed-aad.ts). `lastUsedStep` is the 30-second time step of the last accepted code: a
 * code of that step or an earlier one is refused, so a code seen over a shoulder cannot be replayed.
 */
export const userTwoFactor = pgTable('user_two_factor', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Single-use recovery codes: only a SHA-256 of each (they are 80 random bits, so no slow hash is needed). */
export const twoFactorRecoveryCodes = pgTable(
  'two_factor_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('two_factor_recovery_codes_user_idx').on(t.userId)],
);

export type UserTwoFactor = typeof userTwoFactor.$inferSelect;

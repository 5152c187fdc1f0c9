import { integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { ROLES } from '@/lib/model/roles';
import { opaqueText, trimmedLine } from '@/lib/model/text';

export const roleEnum = pgEnum('user_role', ROLES);

export const users = pgTable('users', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: roleEnum('role').notNull(),
  // Bumped on password change or disable: every JWT carries the version it was issued with,
  // so older sessions stop validating at their next request.
  sessionVersion: integer('session_version').notNull().default(0),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
  // IANA name the panel shows times in for this user. Null until the browser reports its zone
  // (components/users/browser-time-zone.tsx) or the user picks one; pages render UTC meanwhile.
  timeZone: text('time_zone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

// Input schemas shared by forms and actions.
export const emailInput = trimmedLine(254).toLowerCase().pipe(z.email('Enter a valid email address'));
export const nameInput = trimmedLine(80).min(1, 'Name is required');
export const passwordInput = opaqueText(200).min(12, 'Password must be at least 12 characters');
export const roleInput = z.enum(ROLES, { error: 'Choose a role' });

export const newUserInput = z.object({
  email: emailInput,
  name: nameInput,
  password: passwordInput,
  role: roleInput,
});

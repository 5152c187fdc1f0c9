import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { isIP } from 'node:net';
import { z } from 'zod';
import { hostTextSchema, refusedAddressReason } from '@/lib/model/host-address';

import type { ServerFacts, ServiceState } from '@/lib/model/server-facts';
import { multiLine, trimmedLine } from '@/lib/model/text';

export type { ServerFacts, ServiceState };
export type ProbeResult =
  | { ok: true; fingerprint: string; algorithm: string; user: string; at: string }
  | { ok: false; fingerprint: string | null; algorithm: string | null; error: string; at: string };

export const servers = pgTable('servers', {
  // Generated in code before the insert: the sealed private key's associated data names it.
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  host: text('host').notNull(),
  port: integer('port').notNull().default(22),
  username: text('username').notNull(),
  /** The address nginx listens on for this server's sites; null = all addresses. */
  bindAddress: text('bind_address'),
  phpVersions: text('php_versions').array().notNull().default(['8.2']),
  /** Null when the server came from a definition whose key reference this panel lacks ("needs value"). */
  privateKeySealed: text('private_key_sealed'),
  publicKey: text('public_key'),
  /** Pinned by an operator after "Test connection"; nothing runs on the server until then. */
  hostKeyFingerprint: text('host_key_fingerprint'),
  hostKeyPinnedAt: timestamp('host_key_pinned_at', { withTimezone: true }),
  /** The latest "Test connection" outcome, shown for confirmation before pinning. */
  probe: jsonb('probe').$type<ProbeResult>(),
  probeRequestedAt: timestamp('probe_requested_at', { withTimezone: true }),
  /** Set when the server presented a different host key than the pinned one; cleared by a re-pin. */
  hostKeyMismatchAt: timestamp('host_key_mismatch_at', { withTimezone: true }),
  hostKeyMismatchFingerprint: text('host_key_mismatch_fingerprint'),
  facts: jsonb('facts').$type<ServerFacts>(),
  /** Services whose config a failed run changed but never reloaded; the next run reloads them. */
  pendingReload: text('pending_reload').array().notNull().default([]),
  services: jsonb('services').$type<ServiceState[]>(),
  provisionedAt: timestamp('provisioned_at', { withTimezone: true }),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  lastError: text('last_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Server = typeof servers.$inferSelect;
export type NewServer = typeof servers.$inferInsert;

/** A DNS name or IP literal (lib/model/host-address.ts), and never a link-local or metadata address. */
export const hostInput = hostTextSchema.superRefine((host, ctx) => {
  const reason = isIP(host) ? refusedAddressReason(host) : null;
  if (reason) ctx.addIssue({ code: 'custom', message: `Berth does not connect to ${host}: it ${reason}` });
});
export const bindAddressInput = trimmedLine(64)
  .refine((h) => h === '' || isIP(h) !== 0, 'Enter an IP address, or leave empty for all addresses')
  .transform((h) => (h === '' ? null : h));
export const serverNameInput = trimmedLine(40).regex(
  /^[a-z][a-z0-9-]{0,39}$/,
  'Use 1–40 lowercase letters, digits and dashes, starting with a letter',
);
export const unixUserInput = trimmedLine(32).regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'Enter a valid unix user name');

export const newServerInput = z.object({
  name: serverNameInput,
  host: hostInput,
  port: z.coerce
    .number({ error: 'Port must be a number' })
    .int('Port must be a whole number')
    .min(1, 'Port must be 1–65535')
    .max(65535, 'Port must be 1–65535'),
  username: unixUserInput,
  bindAddress: bindAddressInput.default(''),
  privateKey: multiLine(20_000).trim().optional(),
});

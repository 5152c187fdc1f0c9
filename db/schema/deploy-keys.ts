import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';

/**
 * An app's deploy key for private repositories (git over SSH): ed25519, made by the panel, its
 * private half sealed with AAD `apps:<appId>:deployKey`. The public line is what the operator
 * pastes into GitHub or GitLab as a read-only deploy key.
 */
export const appDeployKeys = pgTable('app_deploy_keys', {
  appId: uuid('app_id')
    .primaryKey()
    .references(() => apps.id, { onDelete: 'cascade' }),
  publicKey: text('public_key').notNull(),
  fingerprint: text('fingerprint').notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A git host's SSH host key, pinned on the first fetch from it (trust on first use, as servers
 * are). One row per host and port, shared by every app fetching from there: GitHub has one key
 * for everybody. A later fetch that meets another key stores it as `presented*` and is refused
 * until an admin accepts it.
 */
export const gitHostKeys = pgTable(
  'git_host_keys',
  {
    host: text('host').notNull(),
    port: integer('port').notNull(),
    /** "<algorithm> <base64>", as in known_hosts. */
    publicKey: text('public_key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    presentedPublicKey: text('presented_public_key'),
    presentedFingerprint: text('presented_fingerprint'),
    pinnedAt: timestamp('pinned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.host, t.port] })],
);

export type AppDeployKey = typeof appDeployKeys.$inferSelect;
export type GitHostKey = typeof gitHostKeys.$inferSelect;

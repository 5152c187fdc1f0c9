import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { servers } from './servers';

/**
 * An app's TLS certificate. Uploaded: one per app (server_id null), its key sealed with AAD
 * `apps:<appId>:certificateKey`. ACME: one row per web server, recording what certbot issued there
 * (the key stays on that server). The certificate itself is public and kept as PEM.
 */
export const appCertificates = pgTable(
  'app_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'cascade' }),
    source: text('source', { enum: ['uploaded', 'acme'] }).notNull(),
    certificatePem: text('certificate_pem').notNull(),
    sealedKey: text('sealed_key'),
    domains: text('domains').array().notNull(),
    issuer: text('issuer').notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('app_certificates_app_idx').on(t.appId),
    uniqueIndex('app_certificates_one_uploaded').on(t.appId).where(sql`${t.serverId} is null`),
    uniqueIndex('app_certificates_one_per_server').on(t.appId, t.serverId).where(sql`${t.serverId} is not null`),
  ],
);

export type AppCertificate = typeof appCertificates.$inferSelect;

import { index, pgTable, real, timestamp, uuid } from 'drizzle-orm/pg-core';
import { servers } from './servers';

/** One observation of a server's load, memory and disk, taken over its existing connection. */
export const serverSamples = pgTable(
  'server_samples',
  {
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    load1: real('load1').notNull(),
    memoryUsedPct: real('memory_used_pct').notNull(),
    diskUsedPct: real('disk_used_pct').notNull(),
  },
  (t) => [index('server_samples_server_at_idx').on(t.serverId, t.at)],
);

export type ServerSample = typeof serverSamples.$inferSelect;

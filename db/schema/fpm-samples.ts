import { bigint, index, integer, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { servers } from './servers';

/**
 * One reading of an app's PHP-FPM status page on one server (FastCGI to the pool's socket over
 * SSH). The counters (accepted, max children reached, slow requests) are FPM's own, cumulative
 * since `startTime`; rollups store their increase. `listenQueue` is null on unix sockets,
 * where FPM always reports 0.
 */
export const fpmSamples = pgTable(
  'fpm_samples',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    startTime: bigint('start_time', { mode: 'number' }).notNull(),
    active: integer('active').notNull(),
    idle: integer('idle').notNull(),
    total: integer('total').notNull(),
    maxActive: integer('max_active').notNull(),
    maxChildrenReached: integer('max_children_reached').notNull(),
    slowRequests: integer('slow_requests').notNull(),
    acceptedConn: bigint('accepted_conn', { mode: 'number' }).notNull(),
    listenQueue: integer('listen_queue'),
  },
  (t) => [index('fpm_samples_app_at_idx').on(t.appId, t.serverId, t.at), index('fpm_samples_at_brin').using('brin', t.at)],
);

/** FPM samples folded into minute, hour and day buckets (res = bucket width in seconds). */
export const fpmRollups = pgTable(
  'fpm_rollups',
  {
    appId: uuid('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    res: integer('res').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    samples: integer('samples').notNull(),
    activeSum: integer('active_sum').notNull(),
    activeMax: integer('active_max').notNull(),
    idleSum: integer('idle_sum').notNull(),
    totalMax: integer('total_max').notNull(),
    /** Increases of FPM's cumulative counters within the bucket. */
    maxChildrenReached: integer('max_children_reached').notNull(),
    slowRequests: integer('slow_requests').notNull(),
    acceptedConn: bigint('accepted_conn', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.serverId, t.res, t.bucket] }), index('fpm_rollups_bucket_brin').using('brin', t.bucket)],
);

export type FpmSample = typeof fpmSamples.$inferSelect;
export type NewFpmSample = typeof fpmSamples.$inferInsert;
export type FpmRollup = typeof fpmRollups.$inferSelect;

import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apps } from './apps';
import { servers } from './servers';

export const MONITOR_KINDS = ['http', 'heartbeat'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];
export const MONITOR_STATES = ['pending', 'up', 'down', 'paused'] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];

/**
 * An uptime check. HTTP monitors are probed by the panel's scheduler (lib/monitors); heartbeat
 * monitors wait for pings on a secret URL. `autoKey` marks the checks Berth keeps in step with
 * an app's domains and servers (one per domain per web server, connecting to that server's
 * address, so one host going down is seen even behind a load balancer).
 */
export const monitors = pgTable(
  'monitors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: MONITOR_KINDS }).notNull(),
    appId: uuid('app_id').references(() => apps.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'cascade' }),
    /** Set on the checks Berth manages for an app; unique so the sync is idempotent. */
    autoKey: text('auto_key').unique(),
    url: text('url'),
    method: text('method').notNull().default('GET'),
    /** Connect to this address instead of resolving the URL's host (curl --resolve). */
    resolveTo: text('resolve_to'),
    intervalS: integer('interval_s').notNull().default(60),
    timeoutMs: integer('timeout_ms').notNull().default(10_000),
    /** Accepted status codes: "200-299", "200,301-302". */
    expectedStatus: text('expected_status').notNull().default('200-299'),
    keyword: text('keyword'),
    /** Failed checks in a row before the monitor is down (0: the first failure). */
    retries: integer('retries').notNull().default(0),
    /** Heartbeat: sha256 of the ping token (the lookup), and the token sealed for showing the URL again. */
    tokenHash: text('token_hash').unique(),
    tokenSealed: text('token_sealed'),
    /** Heartbeat: down when no ping arrived within intervalS + graceS. */
    graceS: integer('grace_s').notNull().default(0),
    lastPingAt: timestamp('last_ping_at', { withTimezone: true }),
    paused: boolean('paused').notNull().default(false),
    state: text('state', { enum: MONITOR_STATES }).notNull().default('pending'),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastLatencyMs: integer('last_latency_ms'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('monitors_app_idx').on(t.appId)],
);

/**
 * Raw check results, kept 48 h by default. No primary key and narrow columns on purpose:
 * this is the biggest table, and `error` is only set on failures.
 */
export const checkResults = pgTable(
  'check_results',
  {
    monitorId: uuid('monitor_id')
      .notNull()
      .references(() => monitors.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    ok: boolean('ok').notNull(),
    latencyMs: integer('latency_ms'),
    status: smallint('status'),
    error: text('error'),
  },
  // BRIN on time: rows arrive in time order, so retention and panel-wide "last 24 h" reads find
  // their pages from a few kilobytes of index instead of a scan (a btree would double the size).
  (t) => [index('check_results_monitor_at_idx').on(t.monitorId, t.at), index('check_results_at_brin').using('brin', t.at)],
);

/** Rollup resolutions: the bucket width in seconds. */
export const ROLLUP = { minute: 60, hour: 3600, day: 86_400 } as const;
export type RollupResolution = keyof typeof ROLLUP;

/** Check results folded into minute, hour and day buckets as they are written (upserts). */
export const checkRollups = pgTable(
  'check_rollups',
  {
    monitorId: uuid('monitor_id')
      .notNull()
      .references(() => monitors.id, { onDelete: 'cascade' }),
    /** The bucket width in seconds (60, 3600, 86400). */
    res: integer('res').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    checks: integer('checks').notNull(),
    failures: integer('failures').notNull(),
    /** Sum and count of the latencies that were measured (failed connects have none). */
    latencySum: bigint('latency_sum', { mode: 'number' }).notNull(),
    latencyCount: integer('latency_count').notNull(),
    latencyMax: integer('latency_max'),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.res, t.bucket] }), index('check_rollups_bucket_brin').using('brin', t.bucket)],
);

export type IncidentEvent = { at: string; event: 'opened' | 'error' | 'notified' | 'closed'; detail: string };

/** Opened when a monitor goes down, closed when it comes back up. */
export const incidents = pgTable(
  'incidents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    monitorId: uuid('monitor_id')
      .notNull()
      .references(() => monitors.id, { onDelete: 'cascade' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    cause: text('cause').notNull(),
    /** What happened, oldest first; capped so a flapping monitor cannot grow it without bound. */
    timeline: jsonb('timeline').$type<IncidentEvent[]>().notNull().default([]),
  },
  (t) => [index('incidents_monitor_idx').on(t.monitorId, t.startedAt)],
);

export type Monitor = typeof monitors.$inferSelect;
export type NewMonitor = typeof monitors.$inferInsert;
export type CheckResult = typeof checkResults.$inferSelect;
export type CheckRollup = typeof checkRollups.$inferSelect;
export type Incident = typeof incidents.$inferSelect;

import { boolean, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * An ops repository: a git repository holding the fleet's definition, whose pushes Berth plans
 * and applies. Its webhook secret is sealed with AAD `ops_repos:<id>:secret`. Applies act as
 * `actor_id`, the admin who connected it, and stop if that person may no longer apply.
 */
export const opsRepos = pgTable('ops_repos', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** For now an absolute path on the panel host (SSH with a deploy key comes with the git-host pinning of private repositories). */
  url: text('url').notNull(),
  branch: text('branch').notNull(),
  /** The definition file inside the repository. */
  path: text('path').notNull(),
  secretSealed: text('secret_sealed').notNull(),
  actorId: integer('actor_id')
    .notNull()
    .references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const OPS_COMMIT_STATUSES = ['planned', 'applied', 'failed', 'waiting', 'superseded'] as const;
export type OpsCommitStatus = (typeof OPS_COMMIT_STATUSES)[number];

/** Each commit a push brought, and what became of its definition. */
export const opsCommits = pgTable(
  'ops_commits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id')
      .notNull()
      .references(() => opsRepos.id, { onDelete: 'cascade' }),
    sha: text('sha').notNull(),
    subject: text('subject').notNull().default(''),
    status: text('status', { enum: OPS_COMMIT_STATUSES }).notNull(),
    hash: text('hash'),
    changes: integer('changes').notNull().default(0),
    destructive: boolean('destructive').notNull().default(false),
    error: text('error'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    approvedBy: integer('approved_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('ops_commits_sha_idx').on(t.repoId, t.sha)],
);

/** Push deliveries accepted, by signature: a replayed delivery is refused (kept as long as the deploy webhook's). */
export const opsDeliveries = pgTable(
  'ops_deliveries',
  {
    repoId: uuid('repo_id')
      .notNull()
      .references(() => opsRepos.id, { onDelete: 'cascade' }),
    signature: text('signature').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repoId, t.signature] })],
);

export type OpsRepo = typeof opsRepos.$inferSelect;
export type OpsCommit = typeof opsCommits.$inferSelect;

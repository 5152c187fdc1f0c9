import { and, count, desc, eq, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { interruptRun } from './runs';
import { apiTokens, auditEvents, envRevisions, recipeRuns, releases, users, type RecipeRun, type Release } from '../schema';

export type NewRelease = Pick<Release, 'appId' | 'kind' | 'ref' | 'trigger'> &
  Partial<Pick<Release, 'targetId' | 'requestedBy' | 'restoresEnv' | 'canary'>>;

/**
 * Inserts a queued release, numbering deploys per app. The insert itself takes the app's lock
 * (releases_one_active_idx): a second one while another is queued or running is a unique violation.
 * It records the app's newest env revision: the one a deploy writes to shared/.env, and the one
 * a rollback keeps (null: the app never saved its environment in Berth).
 */
export async function insertRelease(db: Db, r: NewRelease): Promise<Release> {
  return db.transaction(async (tx) => {
    let number: number | null = null;
    if (r.kind === 'deploy') {
      const [row] = await tx
        .select({ top: max(releases.number) })
        .from(releases)
        .where(eq(releases.appId, r.appId));
      number = (row?.top ?? 0) + 1;
    }
    const [env] = await tx
      .select({ n: max(envRevisions.number) })
      .from(envRevisions)
      .where(eq(envRevisions.appId, r.appId));
    const [row] = await tx
      .insert(releases)
      .values({ ...r, number, envRevision: env?.n ?? null })
      .returning();
    return row!;
  });
}

export async function findRelease(db: Db, id: string): Promise<Release | undefined> {
  const [row] = await db.select().from(releases).where(eq(releases.id, id));
  return row;
}

export async function updateRelease(db: Db, id: string, patch: Partial<Release>): Promise<void> {
  await db.update(releases).set(patch).where(eq(releases.id, id));
}

/** queued → running, only if it is still queued (a cancel may have ended it meanwhile). */
export async function startQueuedRelease(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(releases)
    .set({ status: 'running', startedAt: new Date() })
    .where(and(eq(releases.id, id), eq(releases.status, 'queued')))
    .returning({ id: releases.id });
  return rows.length > 0;
}

/** Ends a release that has not started (its job finds it no longer queued and does nothing); false once it runs. */
export async function cancelQueuedRelease(db: Db, id: string, error: string): Promise<boolean> {
  const rows = await db
    .update(releases)
    .set({ status: 'cancelled', error, finishedAt: new Date() })
    .where(and(eq(releases.id, id), eq(releases.status, 'queued')))
    .returning({ id: releases.id });
  return rows.length > 0;
}

/** Asks a running release to stop (its job polls for this); false if it is not running or already asked. */
export async function requestCancel(db: Db, id: string, by: string): Promise<boolean> {
  const rows = await db
    .update(releases)
    .set({ cancelRequestedAt: new Date(), cancelledBy: by })
    .where(and(eq(releases.id, id), eq(releases.status, 'running'), isNull(releases.cancelRequestedAt)))
    .returning({ id: releases.id });
  return rows.length > 0;
}

/** The queued or running release of the app, with who asked for it: the lock's holder. */
export async function activeRelease(db: Db, appId: string): Promise<(Release & { requestedByName: string | null }) | undefined> {
  const [row] = await db
    .select({ release: releases, name: users.name })
    .from(releases)
    .leftJoin(users, eq(users.id, releases.requestedBy))
    .where(and(eq(releases.appId, appId), inArray(releases.status, ['queued', 'running'])));
  return row && { ...row.release, requestedByName: row.name };
}

export async function releasesOf(db: Db, appId: string, limit = 50): Promise<Release[]> {
  return db.select().from(releases).where(eq(releases.appId, appId)).orderBy(desc(releases.createdAt)).limit(limit);
}

/**
 * A release as the releases table shows it: who asked for it (null for webhooks and automatic
 * rollbacks), and the API token's name when it was asked for through the HTTP API.
 */
export type ReleaseRow = Release & { requestedByEmail: string | null; apiTokenName: string | null };

/**
 * The API token each release was requested with. The API's audit row already records it (details:
 * via "api", the token's id, the release's id), so it is read from there rather than copied onto
 * the release. A token deleted since keeps its place, unnamed.
 */
async function apiTokensOf(db: Db, releaseIds: string[]): Promise<Map<string, string>> {
  if (releaseIds.length === 0) return new Map();
  const rows = await db
    .select({ release: sql<string>`${auditEvents.details}->>'release'`, name: apiTokens.name })
    .from(auditEvents)
    .leftJoin(apiTokens, sql`${apiTokens.id}::text = ${auditEvents.details}->>'token'`)
    .where(
      and(
        inArray(auditEvents.action, ['release.deploy', 'release.rollback']),
        eq(auditEvents.outcome, 'success'),
        sql`${auditEvents.details}->>'via' = 'api'`,
        inArray(sql`${auditEvents.details}->>'release'`, releaseIds),
      ),
    );
  return new Map(rows.map((r) => [r.release, r.name ?? 'a deleted token']));
}

/**
 * One page of the app's releases, newest first, and how many there are. `page` is clamped to
 * 1…last (a stale or hand-edited ?page= shows the nearest real page), so it is returned too.
 */
export async function releasePage(
  db: Db,
  appId: string,
  page: number,
  size: number,
): Promise<{ rows: ReleaseRow[]; total: number; page: number; pages: number }> {
  const [counted] = await db.select({ n: count() }).from(releases).where(eq(releases.appId, appId));
  const total = counted?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));
  const at = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const rows = await db
    .select({ release: releases, email: users.email })
    .from(releases)
    .leftJoin(users, eq(users.id, releases.requestedBy))
    .where(eq(releases.appId, appId))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(size)
    .offset((at - 1) * size);
  const tokens = await apiTokensOf(
    db,
    rows.map((r) => r.release.id),
  );
  return {
    rows: rows.map((r) => ({ ...r.release, requestedByEmail: r.email, apiTokenName: tokens.get(r.release.id) ?? null })),
    total,
    page: at,
    pages,
  };
}

/** Successful deploys, newest first: what a rollback may target and cleanup must respect. */
export async function successfulDeploys(db: Db, appId: string): Promise<Release[]> {
  return db
    .select()
    .from(releases)
    .where(and(eq(releases.appId, appId), eq(releases.kind, 'deploy'), eq(releases.status, 'succeeded'), isNotNull(releases.number)))
    .orderBy(desc(releases.number));
}

/**
 * Every succeeded release of the app, deploys and rollbacks, newest finished first: the order
 * liveDeploy reads. lib/releases/rollback-targets.ts replays it to know what is live, and which
 * rollback moved away from a deploy now marked bad.
 */
export async function succeededReleases(db: Db, appId: string): Promise<Release[]> {
  return db
    .select()
    .from(releases)
    .where(and(eq(releases.appId, appId), eq(releases.status, 'succeeded')))
    .orderBy(desc(releases.finishedAt), desc(releases.createdAt));
}

export async function runsOfRelease(db: Db, releaseId: string): Promise<RecipeRun[]> {
  return db.select().from(recipeRuns).where(eq(recipeRuns.releaseId, releaseId)).orderBy(recipeRuns.createdAt);
}

export async function createReleaseRun(
  db: Db,
  run: { serverId: string; appId: string; releaseId: string; recipe: 'release' | 'rollback' },
): Promise<RecipeRun> {
  const [row] = await db.insert(recipeRuns).values(run).returning();
  return row!;
}

const INTERRUPTED = 'The panel stopped during this release. Check the servers, then deploy again.';

/** A release whose job ended without finishing (the panel died): it and its server runs end as interrupted, freeing the app's lock. */
export async function interruptRelease(db: Db, releaseId: string): Promise<void> {
  for (const run of await runsOfRelease(db, releaseId)) await interruptRun(db, run.id);
  await db
    .update(releases)
    .set({ status: 'interrupted', error: INTERRUPTED, finishedAt: new Date() })
    .where(and(eq(releases.id, releaseId), inArray(releases.status, ['queued', 'running'])));
}

/** Start-up of the single PGlite process: nothing can still be running. */
export async function interruptAllReleases(db: Db): Promise<number> {
  const rows = await db
    .select({ id: releases.id })
    .from(releases)
    .where(inArray(releases.status, ['queued', 'running']));
  for (const { id } of rows) await interruptRelease(db, id);
  return rows.length;
}

/**
 * Releases whose worker died (Postgres mode, several panel processes): still "running", but no
 * server run of theirs is queued or running, and nothing of theirs moved since `staleBefore`.
 * Their runs were already marked interrupted by their stale heartbeats.
 */
export async function interruptStaleReleases(db: Db, staleBefore: Date): Promise<number> {
  const active = await db
    .select()
    .from(releases)
    .where(inArray(releases.status, ['queued', 'running']));
  let count = 0;
  for (const release of active) {
    const runs = await runsOfRelease(db, release.id);
    if (runs.some((r) => r.status === 'queued' || r.status === 'running')) continue;
    // Before any server run exists a release is fetching (git may take minutes), or queued
    // behind the app's earlier jobs (pg-boss expires a job after an hour): wait longer then.
    const grace = runs.length === 0 ? (release.status === 'queued' ? 65 : 10) * 60_000 : 0;
    const lastMove = Math.max(
      release.startedAt?.getTime() ?? release.createdAt.getTime(),
      ...runs.map((r) => (r.finishedAt ?? r.heartbeatAt ?? r.createdAt).getTime()),
    );
    if (lastMove + grace >= staleBefore.getTime()) continue;
    await interruptRelease(db, release.id);
    count++;
  }
  return count;
}

/**
 * The final write of a release: only while it is still running, so a release the sweeper
 * already marked interrupted (or a second worker) cannot be flipped back to succeeded.
 */
export async function finishRelease(db: Db, id: string, patch: Partial<Release>): Promise<void> {
  await db
    .update(releases)
    .set({ finishedAt: new Date(), ...patch })
    .where(and(eq(releases.id, id), eq(releases.status, 'running')));
}

/** The deploy that is live: the newest successful deploy, or the one the newest successful rollback went back to. */
export async function liveDeploy(db: Db, appId: string): Promise<Release | undefined> {
  const [last] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.appId, appId), eq(releases.status, 'succeeded')))
    .orderBy(desc(releases.finishedAt))
    .limit(1);
  if (!last || last.kind === 'deploy') return last;
  return last.targetId ? findRelease(db, last.targetId) : undefined;
}

/** Configure runs of the app still queued or running (a release must not race them on the same files). */
export async function activeConfigureRuns(db: Db, appId: string): Promise<RecipeRun[]> {
  return db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.appId, appId), eq(recipeRuns.recipe, 'configure'), inArray(recipeRuns.status, ['queued', 'running'])));
}

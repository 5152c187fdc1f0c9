import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { checkResults, checkRollups, ROLLUP, type CheckResult } from '../schema';

export type ResultRow = { monitorId: string; at: Date; ok: boolean; latencyMs: number | null; status: number | null; error: string | null };
export type RollupRow = {
  monitorId: string;
  res: number;
  bucket: Date;
  checks: number;
  failures: number;
  latencySum: number;
  latencyCount: number;
  latencyMax: number | null;
};
export type LastState = { monitorId: string; at: Date; ok: boolean; latencyMs: number | null; error: string | null };

// Rows of a monitor deleted while its results sat in the buffer are skipped, not a foreign-key
// failure that would block the whole batch.
const monitorExists = (col: SQL) => sql`exists (select 1 from monitors m where m.id = ${col})`;

/**
 * One batch in one transaction: a multi-row insert of the raw results, one upsert of the
 * rollups (already aggregated by the caller, so each key appears once), and one update of the
 * monitors' last state. A pending monitor whose last result is ok becomes up here; down/up
 * transitions with incidents go through lib/monitors/incidents.ts instead.
 */
export async function writeCheckBatch(db: Db, results: ResultRow[], rollups: RollupRow[], last: LastState[]): Promise<void> {
  await db.transaction(async (tx) => {
    if (results.length) {
      const values = sql.join(
        results.map(
          (r) =>
            sql`(${r.monitorId}::uuid, ${r.at.toISOString()}::timestamptz, ${r.ok}::boolean, ${r.latencyMs}::integer, ${r.status}::smallint, ${r.error}::text)`,
        ),
        sql`, `,
      );
      await tx.execute(sql`insert into check_results (monitor_id, at, ok, latency_ms, status, error)
        select * from (values ${values}) as v(monitor_id, at, ok, latency_ms, status, error) where ${monitorExists(sql`v.monitor_id`)}`);
    }
    if (rollups.length) await upsertRollups(tx as unknown as Db, rollups);
    if (last.length) {
      const values = sql.join(
        last.map(
          (l) =>
            sql`(${l.monitorId}::uuid, ${l.at.toISOString()}::timestamptz, ${l.ok}::boolean, ${l.latencyMs}::integer, ${l.error}::text)`,
        ),
        sql`, `,
      );
      await tx.execute(sql`update monitors as m set
          last_checked_at = greatest(m.last_checked_at, v.at),
          last_latency_ms = v.latency_ms,
          last_error = case when v.ok then null else v.error end,
          state = case when m.state = 'pending' and v.ok then 'up' else m.state end,
          state_changed_at = case when m.state = 'pending' and v.ok then v.at else m.state_changed_at end
        from (values ${values}) as v(id, at, ok, latency_ms, error)
        where m.id = v.id and (m.last_checked_at is null or m.last_checked_at <= v.at)`);
    }
  });
}

/** Adds into existing buckets: counts and sums add up, the maximum is kept. */
export async function upsertRollups(db: Db, rollups: RollupRow[]): Promise<void> {
  const values = sql.join(
    rollups.map(
      (r) =>
        sql`(${r.monitorId}::uuid, ${r.res}::integer, ${r.bucket.toISOString()}::timestamptz, ${r.checks}::integer, ${r.failures}::integer, ${r.latencySum}::bigint, ${r.latencyCount}::integer, ${r.latencyMax}::integer)`,
    ),
    sql`, `,
  );
  await db.execute(sql`insert into check_rollups (monitor_id, res, bucket, checks, failures, latency_sum, latency_count, latency_max)
    select * from (values ${values}) as v(monitor_id, res, bucket, checks, failures, latency_sum, latency_count, latency_max)
    where ${monitorExists(sql`v.monitor_id`)}
    on conflict (monitor_id, res, bucket) do update set
      checks = check_rollups.checks + excluded.checks,
      failures = check_rollups.failures + excluded.failures,
      latency_sum = check_rollups.latency_sum + excluded.latency_sum,
      latency_count = check_rollups.latency_count + excluded.latency_count,
      latency_max = greatest(check_rollups.latency_max, excluded.latency_max)`);
}

export async function recentResults(db: Db, monitorId: string, limit = 50): Promise<CheckResult[]> {
  return db.select().from(checkResults).where(eq(checkResults.monitorId, monitorId)).orderBy(desc(checkResults.at)).limit(limit);
}

export async function rollupsOf(db: Db, monitorId: string, res: number) {
  return db
    .select()
    .from(checkRollups)
    .where(and(eq(checkRollups.monitorId, monitorId), eq(checkRollups.res, res)))
    .orderBy(checkRollups.bucket);
}

/** Uptime % since `since` per monitor, from the hour rollups plus this hour's minutes: one grouped query. */
export async function uptimeSince(db: Db, since: Date): Promise<Map<string, { checks: number; failures: number }>> {
  const hourStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const rows = await db
    .select({
      monitorId: checkRollups.monitorId,
      checks: sql<number>`sum(${checkRollups.checks})::int`,
      failures: sql<number>`sum(${checkRollups.failures})::int`,
    })
    .from(checkRollups)
    .where(
      sql`(${checkRollups.res} = ${ROLLUP.hour} and ${checkRollups.bucket} >= ${since.toISOString()}::timestamptz and ${checkRollups.bucket} < ${hourStart.toISOString()}::timestamptz)
        or (${checkRollups.res} = ${ROLLUP.minute} and ${checkRollups.bucket} >= ${hourStart.toISOString()}::timestamptz)`,
    )
    .groupBy(checkRollups.monitorId);
  return new Map(rows.map((r) => [r.monitorId, { checks: r.checks, failures: r.failures }]));
}

/** Rows a statement touched, whichever driver ran it (pg says rowCount, PGlite affectedRows). */
const touched = (result: unknown) =>
  Number((result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);

export async function deleteResultsBefore(db: Db, before: Date): Promise<number> {
  return touched(await db.execute(sql`delete from ${checkResults} where ${lt(checkResults.at, before)}`));
}

export async function deleteRollupsBefore(db: Db, res: number, before: Date): Promise<number> {
  return touched(
    await db.execute(sql`delete from ${checkRollups} where ${and(eq(checkRollups.res, res), lt(checkRollups.bucket, before))}`),
  );
}

/**
 * Makes the space of pruned rows reusable. Postgres's autovacuum does this on its own; embedded
 * PGlite runs no background workers, so without it the check tables would only ever grow.
 * Not inside a transaction (VACUUM cannot be).
 */
export async function vacuumCheckTables(db: Db): Promise<void> {
  await db.execute(sql`vacuum check_results`);
  await db.execute(sql`vacuum check_rollups`);
}

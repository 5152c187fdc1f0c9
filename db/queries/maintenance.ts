import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/** The tables the monitoring engine prunes on a timer (checks, FPM samples, the notifications outbox). */
export const PRUNED_TABLES = ['check_results', 'check_rollups', 'fpm_samples', 'fpm_rollups', 'notifications'] as const;

/**
 * Makes the space of pruned rows reusable, one table at a time (VACUUM cannot run inside a
 * transaction). Postgres's autovacuum does this on its own and a manual VACUUM there is cheap
 * and harmless, so it runs on both backends; embedded PGlite runs no background workers, so
 * without it these tables would only ever grow. The engine calls it about hourly.
 */
export async function vacuumMonitoringTables(db: Db): Promise<void> {
  for (const table of PRUNED_TABLES) await db.execute(sql.raw(`vacuum ${table}`));
}

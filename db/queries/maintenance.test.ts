import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { PRUNED_TABLES, vacuumMonitoringTables } from './maintenance';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('maintenance', () => {
  it('vacuums every table the engine prunes: checks, FPM samples and rollups, the notifications outbox', async () => {
    expect([...PRUNED_TABLES].sort()).toEqual(['check_results', 'check_rollups', 'fpm_rollups', 'fpm_samples', 'notifications']);
    await vacuumMonitoringTables(t.db);
    const { rows } = (await t.db.execute(
      sql`select relname, vacuum_count from pg_stat_user_tables where relname in ('check_results', 'check_rollups', 'fpm_samples', 'fpm_rollups', 'notifications') order by relname`,
    )) as unknown as {
      rows: { relname: string; vacuum_count: string | number }[];
    };
    expect(rows.map((r) => [r.relname, Number(r.vacuum_count) > 0])).toEqual([
      ['check_results', true],
      ['check_rollups', true],
      ['fpm_rollups', true],
      ['fpm_samples', true],
      ['notifications', true],
    ]);
  });
});

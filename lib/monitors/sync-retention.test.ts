import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { listAutoMonitors, updateMonitor } from '@/db/queries/monitors';
import { insertServer, updateServer } from '@/db/queries/servers';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appServers } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { syncAppMonitors } from './app-monitors';
import { ResultWriter } from './result-writer';
import { pruneChecks } from './retention';
import { addMonitor, httpMonitor } from '@/test-support/monitor-fixtures';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

const server = (name: string, host: string, bindAddress: string | null = null) =>
  insertServer(t.db, {
    id: crypto.randomUUID(),
    name,
    host,
    bindAddress,
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
    provisionedAt: new Date(),
  });

describe('per-app monitors', () => {
  it('one per domain per web server, synced idempotently, following changes and keeping operator edits', async () => {
    const web1 = await server('web-1', '127.0.0.11');
    const web2 = await server('web-2', 'web2.internal', '127.0.0.12');
    const worker = await server('worker-1', '127.0.0.13');
    const config = appConfigInput.parse({
      slug: 'shop',
      kind: 'php',
      domains: ['shop.test', 'www.shop.test'],
      healthCheck: { path: '/up' },
    });
    const app = await insertApp(t.db, { slug: 'shop', name: 'Shop', config }, [
      { serverId: web1.id, roles: ['web'] },
      { serverId: web2.id, roles: ['web', 'worker'] },
      { serverId: worker.id, roles: ['worker'] },
    ]);

    expect(await syncAppMonitors(t.db)).toEqual({ created: 4, updated: 0, deleted: 0 });
    const first = await listAutoMonitors(t.db);
    expect(first.map((m) => [m.name, m.url, m.resolveTo, m.expectedStatus, m.kind]).sort()).toEqual([
      ['shop.test on web-1', 'http://shop.test/up', '127.0.0.11', '200-399', 'http'],
      ['shop.test on web-2', 'http://shop.test/up', '127.0.0.12', '200-399', 'http'],
      ['www.shop.test on web-1', 'http://www.shop.test/up', '127.0.0.11', '200-399', 'http'],
      ['www.shop.test on web-2', 'http://www.shop.test/up', '127.0.0.12', '200-399', 'http'],
    ]);
    expect(first.every((m) => m.appId === app.id)).toBe(true);
    expect(await syncAppMonitors(t.db)).toEqual({ created: 0, updated: 0, deleted: 0 });

    // The operator slows one down and pauses it; the app's health path and a server's address change.
    const edited = first.find((m) => m.name === 'shop.test on web-1')!;
    await updateMonitor(t.db, edited.id, { intervalS: 300, retries: 3, paused: true });
    await updateAppConfig(t.db, app.id, { ...config, domains: ['shop.test'], healthCheck: { ...config.healthCheck, path: '/health' } });
    await updateServer(t.db, web2.id, { bindAddress: null });
    expect(await syncAppMonitors(t.db)).toEqual({ created: 0, updated: 2, deleted: 2 });
    const after = await listAutoMonitors(t.db);
    expect(after.map((m) => [m.name, m.url, m.resolveTo]).sort()).toEqual([
      ['shop.test on web-1', 'http://shop.test/health', '127.0.0.11'],
      ['shop.test on web-2', 'http://shop.test/health', 'web2.internal'],
    ]);
    expect(after.find((m) => m.id === edited.id)).toMatchObject({ intervalS: 300, retries: 3, paused: true });

    // The app leaves web-2: its check goes.
    await t.db.delete(appServers).where(eq(appServers.serverId, web2.id));
    expect(await syncAppMonitors(t.db)).toEqual({ created: 0, updated: 0, deleted: 1 });
    expect(await syncAppMonitors(t.db)).toEqual({ created: 0, updated: 0, deleted: 0 });

    // A server a definition placed the app on before it was provisioned serves nothing yet: no check, no alert.
    const pending = await server('web-3', '127.0.0.14');
    await updateServer(t.db, pending.id, { provisionedAt: null });
    await t.db.insert(appServers).values({ appId: app.id, serverId: pending.id, roles: ['web'] });
    expect(await syncAppMonitors(t.db)).toEqual({ created: 0, updated: 0, deleted: 0 });
    await updateServer(t.db, pending.id, { provisionedAt: new Date() });
    expect(await syncAppMonitors(t.db)).toEqual({ created: 1, updated: 0, deleted: 0 });
  });
});

describe('retention', () => {
  it('prunes raw results and each rollup tier at its own age, keeping the rest', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1/r'));
    const now = new Date('2026-06-01T12:00:00Z');
    const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    const w = new ResultWriter(t.db);
    // Results 1 h, 47 h, 49 h, 30 d and 36 d, 401 d ago: each tier sees them through the writer.
    for (const h of [1, 47, 49, 30 * 24, 36 * 24, 401 * 24])
      w.add({ monitorId: m.id, at: ago(h), ok: true, latencyMs: 5, status: 200, error: null });
    await w.flush();
    const counts = async () =>
      Object.fromEntries(
        rowsOf<{ k: string; n: number }>(
          await t.db.execute(sql`select 'raw' as k, count(*)::int as n from check_results where monitor_id = ${m.id}
            union all select res::text, count(*)::int from check_rollups where monitor_id = ${m.id} group by res`),
        ).map((r) => [r.k, r.n]),
      );
    // 47 h and 49 h ago fall on the same day.
    expect(await counts()).toEqual({ raw: 6, '60': 6, '3600': 6, '86400': 5 });

    const pruned = await pruneChecks(t.db, { rawHours: 48, minuteHours: 48, hourDays: 35, dayDays: 400 }, now);
    expect(pruned).toEqual({ results: 4, minutes: 4, hours: 2, days: 1 });
    expect(await counts()).toEqual({ raw: 2, '60': 2, '3600': 4, '86400': 4 });
    expect(await pruneChecks(t.db, { rawHours: 48, minuteHours: 48, hourDays: 35, dayDays: 400 }, now)).toEqual({
      results: 0,
      minutes: 0,
      hours: 0,
      days: 0,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { apps } from '../schema';
import { findApp, listApps } from './apps';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('stored app configs', () => {
  it('read an app saved before newer settings existed with those settings at their defaults', async () => {
    // The shape a2a494a stored: no tls, dataServices, healthCheck, release, or worker serverIds.
    const old = {
      slug: 'legacy',
      kind: 'php',
      domains: ['legacy.test'],
      phpVersion: '8.2',
      webRoot: 'public',
      pool: {
        pm: 'dynamic',
        maxChildren: 5,
        startServers: 2,
        minSpareServers: 1,
        maxSpareServers: 3,
        maxRequests: 500,
        memoryLimitMb: 256,
        requestTerminateTimeoutS: 60,
        uploadMaxMb: 64,
        slowlogThresholdS: 5,
      },
      workers: [{ name: 'default', argv: ['php', 'artisan', 'queue:work'], processes: 1, stopWaitSeconds: 60 }],
      scheduler: false,
      cron: [],
      sharedPaths: [],
    };
    const [row] = await t.db
      .insert(apps)
      .values({ slug: 'legacy', name: 'Legacy', config: old as never })
      .returning();
    const app = (await findApp(t.db, row!.id))!;
    expect(app.config).toMatchObject({
      tls: { mode: 'none' },
      dataServices: { postgres: false, redis: false },
      healthCheck: { path: '/', expectStatus: 200 },
      nginxSnippet: '',
      branch: 'main',
    });
    expect(app.config.workers[0]!.serverIds).toEqual([]);
    expect((await listApps(t.db)).find((a) => a.slug === 'legacy')!.config.release.keepReleases).toBe(5);
  });
});

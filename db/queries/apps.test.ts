import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { apps } from '../schema';
import { sql } from 'drizzle-orm';
import { appConfigInput } from '@/lib/model/app-config';
import { findApp, insertApp, latestAppRun, listApps } from './apps';
import { createRun, updateRun } from './runs';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('stored app configs', () => {
  it('read a config written before an input limit existed as stored (51 writable paths, a tab in a command word)', async () => {
    const config = appConfigInput.parse({ slug: 'overlimit', kind: 'php', domains: ['overlimit.test'] });
    const [row] = await t.db.insert(apps).values({ slug: 'overlimit', name: 'Over', config }).returning();
    const over = { ...config, writablePaths: Array.from({ length: 51 }, (_, i) => `cache/${i}`), buildCommands: [['echo', 'a\tb']] };
    await t.db.update(apps).set({ config: over }).where(sql`${apps.id} = ${row!.id}`);
    expect(appConfigInput.safeParse(over).success).toBe(false); // the limits refuse it as input
    expect((await findApp(t.db, row!.id))?.config.writablePaths).toHaveLength(51);
    expect((await listApps(t.db)).map((a) => a.slug)).toContain('overlimit');
  });

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

describe("an app's latest run on a server", () => {
  it('is its configure, not a backup run that came after it (backups have their own page)', async () => {
    const server = { id: crypto.randomUUID() };
    await t.db.execute(
      sql`insert into servers (id, name, host, port, username, php_versions) values (${server.id}, 'runs-1', '10.0.0.9', 22, 'root', '{8.2}')`,
    );
    const config = appConfigInput.parse({ slug: 'runs', kind: 'static', domains: ['runs.test'] });
    const app = await insertApp(t.db, { slug: 'runs', name: 'Runs', config }, [{ serverId: server.id, roles: ['web'] }]);
    const configure = await createRun(t.db, { serverId: server.id, appId: app.id, recipe: 'configure' });
    await updateRun(t.db, configure.id, { status: 'succeeded' });
    const verify = await createRun(t.db, { serverId: server.id, appId: app.id, recipe: 'backup-verify' });
    await updateRun(t.db, verify.id, { status: 'failed' });
    expect((await latestAppRun(t.db, app.id, server.id))?.id).toBe(configure.id);
  });
});

/**
 * Test support for the backup integration files (issue 17): a PHP app with Berth's Postgres on
 * test host 1 alone, made by the real configure job (so host 1 is its data server; the hosts
 * share this machine's Postgres at 127.0.0.1:5432). One host, not two: a backup runs on one
 * server, and a second host's configure only cost time.
 */
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { openEnvValues } from '@/db/queries/env-values';
import { createRun, findRun } from '@/db/queries/runs';
import type { App } from '@/db/schema';
import { runConfigure } from '@/lib/apps/configure-job';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { fpmService } from '@/lib/recipes/provision/context';
import { serviceSpecs } from '@/lib/recipes/provision/services';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import { createTestDb } from '@/test-support/test-db';
import { appDatabaseAdmin } from '@/test-support/app-database-admin';
import { pinnedTestServer } from '@/test-support/testbed-server';

export type OneHostBed = Awaited<ReturnType<typeof oneHostBed>>;

export async function oneHostBed(slug: string) {
  const { db, admin, dropDb, sessionIn } = await appDatabaseAdmin(slug);
  const t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const host = await pinnedTestServer(t.db, ring, 'berth-host-1', `${slug}-1`);
  const config = appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], dataServices: { postgres: true } });
  const app: App = await insertApp(t.db, { slug, name: slug, config }, [{ serverId: host.server.id, roles: ['web', 'worker'] }]);
  const run = await createRun(t.db, { serverId: host.server.id, recipe: 'configure', appId: app.id });
  await runConfigure(t.db, ring, run.id, new AbortController().signal);
  const done = (await findRun(t.db, run.id))!;
  if (done.status !== 'succeeded') throw new Error(`configure failed: ${done.error}`);
  const password = (await openEnvValues(t.db, ring, app.id, ['DB_PASSWORD'])).DB_PASSWORD!;

  /** One short session in the app's database, as its own role. */
  const inApp = (sql: string) => sessionIn(sql, db, password);

  async function cleanup() {
    const l = appLayout(slug);
    const h = host.transport;
    await h
      .exec(cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, l.base, l.logDir, `/var/backups/berth/${slug}`))
      .catch(() => {});
    await h.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload'))).catch(() => {});
    await serviceSpecs(['8.2']).find((s) => s.service === fpmService('8.2'))!.reload!(h).catch(() => {});
    for (let i = 0; i < 20 && (await h.exec(cmd('userdel', slug), { okExitCodes: [0, 6, 8] })).code === 8; i++)
      await new Promise((r) => setTimeout(r, 150));
    for (const { datname } of (await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${db}\\_%`])).rows)
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await dropDb();
    await admin.end();
    await closeAll();
    await t.close();
  }

  return {
    t,
    ring,
    hosts: [host],
    app,
    db,
    password,
    inApp,
    updateConfig: (c: App['config']) => updateAppConfig(t.db, app.id, c),
    cleanup,
  };
}

/**
 * For faults that are the target's, not the app's: an app on test host 1 with no configure run
 * and no database, only a shared/ directory (files under it are what the backup sends). A
 * configure costs ~10 s; what a target does with the upload does not depend on it.
 */
export async function bareAppBed(slug: string) {
  const t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const host = await pinnedTestServer(t.db, ring, 'berth-host-1', `${slug}-1`);
  const config = appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`] });
  const app: App = await insertApp(t.db, { slug, name: slug, config }, [{ serverId: host.server.id, roles: ['web'] }]);
  const l = appLayout(slug);
  await host.transport.exec(cmd('rm', '-rf', l.base, `/var/backups/berth/${slug}`));
  await host.transport.exec(cmd('install', '-d', '-m', '0755', l.base, l.shared));
  return {
    t,
    ring,
    hosts: [host],
    app,
    shared: l.shared,
    async cleanup() {
      await host.transport.exec(cmd('rm', '-rf', l.base, `/var/backups/berth/${slug}`)).catch(() => {});
      await closeAll();
      await t.close();
    },
  };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { openEnvValues } from '@/db/queries/env-values';
import { findRelease, insertRelease, runsOfRelease } from '@/db/queries/releases';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import type { App, Server } from '@/db/schema';
import { createTestDb } from '@/test-support/test-db';
import { appDatabaseAdmin } from '@/test-support/app-database-admin';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { runConfigure } from '@/lib/apps/configure-job';
import { dataServerOf } from '@/lib/apps/data-services';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { fpmService } from '@/lib/recipes/provision/context';
import { serviceSpecs } from '@/lib/recipes/provision/services';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { runRelease } from '@/lib/releases/release-job';

/**
 * For the snapshot integration test: a PHP app with Berth's Postgres on both test hosts, made
 * by the real configure job (host 1 becomes its data server; the hosts share this machine's
 * Postgres at 127.0.0.1:5432). Its migration hook is the fixture's migrate.sh, pinned to host 1.
 */
export async function snapshotBed(slug: string) {
  const { db, admin, dropDb, sessionIn } = await appDatabaseAdmin(slug);
  const t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const repo = fixtureRepo('php-app');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${slug}-`));
  const hosts: { server: Server; transport: Transport }[] = [];
  for (const [host, name] of [
    ['berth-host-1', `${slug}-1`],
    ['berth-host-2', `${slug}-2`],
  ] as const)
    hosts.push(await pinnedTestServer(t.db, ring, host, name));
  const base = appConfigInput.parse({
    slug,
    kind: 'php',
    domains: [`${slug}.test`],
    repository: repo.dir,
    branch: 'main',
    healthCheck: { path: '/health.php' },
    dataServices: { postgres: true },
  });
  const app: App = await insertApp(
    t.db,
    { slug, name: slug, config: base },
    hosts.map((h) => ({ serverId: h.server.id, roles: ['web', 'worker'] })),
  );
  /** The real configure job on host i; the status of each of its tasks. */
  async function configureHost(i: number) {
    const run = await createRun(t.db, { serverId: hosts[i]!.server.id, recipe: 'configure', appId: app.id });
    await runConfigure(t.db, ring, run.id, new AbortController().signal);
    const done = (await findRun(t.db, run.id))!;
    if (done.status !== 'succeeded') throw new Error(`configure failed on ${hosts[i]!.server.name}: ${done.error}`);
    return Object.fromEntries((await tasksOf(t.db, run.id)).map((x) => [x.name, x.status]));
  }
  for (const i of hosts.keys()) await configureHost(i);
  if ((await dataServerOf(t.db, app.id)).server?.id !== hosts[0]!.server.id) throw new Error('host 1 should be the data server');
  // What a later .env push will do: the migration reads its settings and password from shared/ (never argv).
  const password = (await openEnvValues(t.db, ring, app.id, ['DB_PASSWORD'])).DB_PASSWORD!;
  const shared = appLayout(slug).shared;
  const owned = { owner: slug, group: slug };
  await hosts[0]!.transport.upload(`DB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=${db}\nDB_USERNAME=${db}\n`, `${shared}/db.env`, {
    mode: 0o640,
    ...owned,
  });
  await hosts[0]!.transport.upload(`127.0.0.1:5432:${db}:${db}:${password}\n`, `${shared}/.pgpass`, { mode: 0o600, ...owned });

  /** The app's config with one migration hook (on host 1) running a SQL file of the repository. */
  const migrate = (file: string): AppConfig => ({
    ...base,
    release: { ...base.release, hooks: [{ argv: ['sh', 'migrate.sh', file], serverId: hosts[0]!.server.id, migration: true }] },
  });
  const configure = (config: AppConfig) => updateAppConfig(t.db, app.id, config);
  async function release() {
    const row = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    await runRelease(t.db, ring, row.id, new AbortController().signal, dataDir);
    return (await findRelease(t.db, row.id))!;
  }
  /** The named task of a release on host i. */
  async function task(releaseId: string, name: string, i = 0) {
    const run = (await runsOfRelease(t.db, releaseId)).find((r) => r.serverId === hosts[i]!.server.id && r.recipe === 'release')!;
    return (await tasksOf(t.db, run.id)).find((x) => x.name === name)!;
  }
  const current = (i: number) => hosts[i]!.transport.exec(cmd('readlink', appLayout(slug).current)).then((r) => r.stdout.trim());
  /** One short session in the app's database: as its own role, or as the superuser to look past it. */
  const inApp = (sql: string, user = db) => sessionIn(sql, user, user === db ? password : undefined);

  async function cleanup() {
    const l = appLayout(slug);
    const fpm = serviceSpecs(['8.2']).find((s) => s.service === fpmService('8.2'))!;
    for (const h of hosts) {
      await h.transport
        .exec(
          cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, l.base, l.logDir, `/var/backups/berth/${slug}`),
        )
        .catch(() => {});
      await h.transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload'))).catch(() => {});
      // The pool's workers run as the app user: userdel succeeds once the reload has stopped them.
      await fpm.reload!(h.transport).catch(() => {});
      for (let i = 0; i < 20 && (await h.transport.exec(cmd('userdel', slug), { okExitCodes: [0, 6, 8] })).code === 8; i++)
        await new Promise((r) => setTimeout(r, 150));
    }
    await hosts[0]!.transport.exec(ignoreFailure(cmd('rmdir', '/var/backups/berth'))).catch(() => {});
    await dropDb();
    await admin.end();
    await closeAll();
    await t.close();
    repo.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  return { t, ring, repo, hosts, app, db, password, migrate, configure, configureHost, release, task, current, inApp, cleanup };
}

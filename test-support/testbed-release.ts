import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertApp } from '@/db/queries/apps';
import { findRelease, insertRelease } from '@/db/queries/releases';
import { createRun } from '@/db/queries/runs';
import type { App, Release, Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { getWithHost } from '@/test-support/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { webSlots } from '@/lib/plan/web-slots';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runRecipe } from '@/lib/jobs/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { runRelease } from '@/lib/releases/release-job';

export type BedHost = { server: Server; transport: Transport; address: string };

/**
 * For release integration tests: a PHP app (or, with the process-app fixture and `kind: 'process'`
 * in `extra`, a process app) configured on both test hosts from a fixture repository made at test
 * time, and helpers to deploy, roll back and look at what each host serves.
 */
export async function releaseBed(slug: string, extra: Record<string, unknown> = {}, fixture: 'php-app' | 'process-app' = 'php-app') {
  const t: TestDb = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const repo = fixtureRepo(fixture);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${slug}-`));
  const hosts: BedHost[] = [];
  for (const [host, name] of [
    ['berth-host-1', `${slug}-1`],
    ['berth-host-2', `${slug}-2`],
  ] as const) {
    const { server, transport } = await pinnedTestServer(t.db, ring, host, name);
    hosts.push({ server, transport, address: server.bindAddress! });
  }
  const config: AppConfig = appConfigInput.parse({
    slug,
    kind: 'php',
    domains: [`${slug}.test`],
    repository: repo.dir,
    branch: 'main',
    ...extra,
  });
  const app: App = await insertApp(
    t.db,
    { slug, name: slug, config },
    hosts.map((h) => ({ serverId: h.server.id, roles: ['web', 'worker'] })),
  );
  for (const h of hosts) {
    const run = await createRun(t.db, { serverId: h.server.id, recipe: 'configure' });
    const ctx = {
      app: config,
      server: { id: h.server.id, name: h.server.name, bindAddress: h.server.bindAddress, phpVersions: h.server.phpVersions },
      roles: ['web', 'worker'] as ('web' | 'worker')[],
      reload: new Set<never>(),
    };
    const result = await runRecipe(t.db, run.id, configureRecipe, ctx, h.transport, new AbortController().signal);
    if (!result.ok) throw new Error(`configure failed on ${h.server.name}: ${result.error}`);
  }

  async function release(ref = 'main', kind: 'deploy' | 'rollback' = 'deploy', targetId?: string): Promise<Release> {
    const row = await insertRelease(t.db, { appId: app.id, kind, ref, trigger: kind === 'deploy' ? 'button' : 'rollback', targetId });
    await runRelease(t.db, ring, row.id, new AbortController().signal, dataDir);
    return (await findRelease(t.db, row.id))!;
  }
  const current = (h: BedHost) => h.transport.exec(cmd('readlink', appLayout(slug).current)).then((r) => r.stdout.trim());
  const served = (h: BedHost) => getWithHost(h.address, `${slug}.test`).then((r) => r.body);

  async function cleanup() {
    const l = appLayout(slug);
    for (const h of hosts) {
      const s = webSlots(slug);
      await h.transport.exec(
        cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, s.livePath, s.supervisorPath, l.base),
      );
      await h.transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
    }
    await closeAll();
    await t.close();
    repo.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  return { t, ring, repo, dataDir, hosts, app, config, release, current, served, cleanup };
}

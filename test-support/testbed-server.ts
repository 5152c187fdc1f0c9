import { createRun, tasksOf } from '@/db/queries/runs';
import { findServer, updateServer } from '@/db/queries/servers';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { authorizeKey, testHost } from '@/test-support/testbed-hosts';
import { appLayout } from '@/lib/plan/app-layout';
import type { AppConfig } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing, type KeyRing } from '@/lib/crypto';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { createServer } from '@/lib/servers/create';
import { transportFor } from '@/lib/servers/remote';
import { runRecipe } from '@/lib/jobs/runner';
import type { AppRole, ConfigureContext } from '@/lib/recipes/configure/context';
import { configureRecipe } from '@/lib/recipes/configure/index';
import { webSlots } from '@/lib/plan/web-slots';

/**
 * For integration tests: a test DB with one pinned test host (scripts/testbed) and a configure()
 * that runs the real recipe there. `cleanup` removes the named apps' config files and reloads.
 */
/** A server row for a test host, pinned and authorized, and a transport to it. */
export async function pinnedTestServer(db: TestDb['db'], ring: KeyRing, hostName: 'berth-host-1' | 'berth-host-2', name: string) {
  const host = testHost(hostName);
  const created = await createServer(db, ring, { name, host: host.address, port: host.port, username: 'root', bindAddress: host.address });
  authorizeKey(host.name, created.publicKey!);
  await updateServer(db, created.id, {
    hostKeyFingerprint: host.hostKeyFingerprint,
    facts: { os: 'debian', osVersion: '12', init: 'none', cpus: 1, memoryMb: 1, diskGb: 1 },
  });
  const server = (await findServer(db, created.id))!;
  return { host, server, transport: (await transportFor(server, ring)) as Transport };
}

export async function testbedServer(hostName: 'berth-host-1' | 'berth-host-2' = 'berth-host-1', name = 'apps-test') {
  const t: TestDb = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const { host, server, transport } = await pinnedTestServer(t.db, ring, hostName, name);

  async function configure(app: AppConfig, roles: AppRole[] = ['web', 'worker'], extra: Partial<ConfigureContext> = {}) {
    const run = await createRun(t.db, { serverId: server.id, recipe: 'configure' });
    const ctx: ConfigureContext = {
      app,
      server: { id: server.id, name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
      roles,
      facts: server.facts ?? undefined,
      reload: new Set(),
      ...extra,
    };
    const result = await runRecipe(t.db, run.id, configureRecipe, ctx, transport, new AbortController().signal);
    const tasks = Object.fromEntries((await tasksOf(t.db, run.id)).map((x) => [x.name, x.status]));
    return { result, tasks, runId: run.id };
  }

  async function cleanup(slugs: string[]) {
    for (const slug of slugs) {
      const l = appLayout(slug);
      const s = webSlots(slug);
      await transport.exec(cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, s.livePath, s.supervisorPath));
    }
    await transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
    await closeAll();
    await t.close();
  }

  return { t, ring, host, server, transport, configure, cleanup };
}

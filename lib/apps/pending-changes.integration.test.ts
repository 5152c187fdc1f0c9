import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, insertApp, updateAppConfig } from '@/db/queries/apps';
import { createRun } from '@/db/queries/runs';
import { updateServer } from '@/db/queries/servers';
import type { App, Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { testHost } from '@/test-support/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { webSlots } from '@/lib/plan/web-slots';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { fpmService } from '@/lib/recipes/provision/context';
import { serviceSpecs } from '@/lib/recipes/provision/services';
import { runRecipe } from '@/lib/jobs/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { createServer } from '@/lib/servers/create';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { configureContextFor } from './configure-context';
import { pendingChanges, pendingOnServer, type ServerPending } from './pending-changes';
import { readFiles } from './read-files';

// The pending-changes view against a real host (scripts/testbed): configure, then diff.
let t: TestDb;
let server: Server;
let transport: Transport;
let app: App;
const ring = parseKeyRing(generateKeyText(1));
const l = appLayout('pendapp');
// A PHP app has no process slots: their files are absent on the server and in what Berth would write.
const NO_SLOTS = { [webSlots('pendapp').livePath]: 'same', [webSlots('pendapp').supervisorPath]: 'same' };
const config: AppConfig = appConfigInput.parse({
  slug: 'pendapp',
  kind: 'php',
  domains: ['pendapp.test'],
  scheduler: true,
  workers: [{ name: 'default', argv: ['sleep', '1000'], processes: 1 }],
});

async function setConfig(next: AppConfig) {
  await updateAppConfig(t.db, app.id, next);
  app = (await findApp(t.db, app.id))!;
}

const statuses = (p: ServerPending | undefined) => (p?.ok ? Object.fromEntries(p.files.map((f) => [f.path, f.status])) : p);
const onHost = async () => (await pendingChanges(t.db, ring, app)).find((p) => p.serverName === 'pend-host-1');

beforeAll(async () => {
  t = await createTestDb();
  const host = testHost('berth-host-1');
  ({ server, transport } = await pinnedTestServer(t.db, ring, 'berth-host-1', 'pend-host-1'));
  // A second server where nothing listens: its error must not hide the first one's changes.
  const dead = await createServer(t.db, ring, {
    name: 'pend-dead',
    host: host.address,
    port: 1,
    username: 'root',
    bindAddress: host.address,
  });
  await updateServer(t.db, dead.id, { hostKeyFingerprint: host.hostKeyFingerprint });
  app = await insertApp(
    t.db,
    { slug: 'pendapp', name: 'pendapp', config },
    [server.id, dead.id].map((serverId) => ({ serverId, roles: ['web', 'worker'] })),
  );
  const run = await createRun(t.db, { serverId: server.id, appId: app.id, recipe: 'configure' });
  const result = await runRecipe(
    t.db,
    run.id,
    configureRecipe,
    await configureContextFor(t.db, app, server),
    transport,
    new AbortController().signal,
  );
  expect(result).toEqual({ ok: true });
});

afterAll(async () => {
  if (transport) {
    await transport.exec(cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, l.base, l.logDir));
    await transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
    // Drop the pool from the running php-fpm too, then the user (its worker is stopped by now).
    await serviceSpecs(['8.2']).find((s) => s.service === fpmService('8.2'))!.reload!(transport);
    await transport.exec(and(ignoreFailure(cmd('userdel', '-f', 'pendapp')), ignoreFailure(cmd('groupdel', 'pendapp'))));
  }
  await closeAll();
  await t.close();
});

describe('pending changes on a real server', () => {
  it('shows every file the same right after configure, and the unreachable server its own error', async () => {
    const all = await pendingChanges(t.db, ring, app);
    expect(all.map((p) => p.serverName)).toEqual(['pend-dead', 'pend-host-1']);
    expect(all[0]).toMatchObject({
      ok: false,
      error: expect.stringContaining(`connection refused by ${testHost('berth-host-1').address}:1`),
    });
    expect(statuses(all[1])).toEqual({
      [l.poolPath('8.2')]: 'same',
      [l.vhostPath]: 'same',
      [l.supervisorPath]: 'same',
      [l.cronPath]: 'same',
      ...NO_SLOTS,
    });
  });

  it('a new max_children shows as an update of the pool file only, with the changed line', async () => {
    await setConfig({ ...config, pool: { ...config.pool, maxChildren: 9 } });
    const pending = await onHost();
    expect(statuses(pending)).toEqual({
      [l.poolPath('8.2')]: 'update',
      [l.vhostPath]: 'same',
      [l.supervisorPath]: 'same',
      [l.cronPath]: 'same',
      ...NO_SLOTS,
    });
    const diff = pending!.ok ? pending!.files[0]!.diff : '';
    expect(diff).toContain('\n-pm.max_children = 5\n+pm.max_children = 9\n');
    expect(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toEqual(['-pm.max_children = 5', '+pm.max_children = 9']);
    // Looking changed nothing on the server.
    expect((await transport.readFile(l.poolPath('8.2'))).toString()).toContain('pm.max_children = 5');
  });

  it('a removed worker shows the supervisor file as removed', async () => {
    await setConfig({ ...config, workers: [] });
    const pending = await onHost();
    expect(statuses(pending)).toEqual({
      [l.poolPath('8.2')]: 'same',
      [l.vhostPath]: 'same',
      [l.supervisorPath]: 'remove',
      [l.cronPath]: 'same',
      ...NO_SLOTS,
    });
    const file = pending!.ok ? pending!.files[2]! : undefined;
    expect(file?.diff).toMatch(/^--- a\/etc\/supervisor\/conf\.d\/berth-pendapp\.conf\t.*\n\+\+\+ \/dev\/null\t/);
    expect(file?.diff).toContain("\n-command='sleep' '1000'");
  });

  it('reads exact bytes in one script, and fails on a path it cannot read rather than calling it absent', async () => {
    const odd = 'no final newline, \u00e9, and a fake marker:\nberth-file-0 absent\n%s $x \\';
    await transport.upload(odd, `${l.base}/odd.txt`, { mode: 0o600 });
    const files = await readFiles(transport, [`${l.base}/odd.txt`, `${l.base}/missing`]);
    expect([...files]).toEqual([
      [`${l.base}/odd.txt`, odd],
      [`${l.base}/missing`, null],
    ]);
    await expect(readFiles(transport, [l.base])).rejects.toThrow(/Is a directory/);
  });

  it('costs one round trip per server (timings printed)', async () => {
    const ctx = await configureContextFor(t.db, app, server);
    const time = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      for (let i = 0; i < 20; i++) await fn();
      return Math.round(((performance.now() - started) / 20) * 10) / 10;
    };
    const paths = [l.poolPath('8.2'), l.vhostPath, l.supervisorPath, l.cronPath];
    const script = await time(() => pendingOnServer(transport, ctx));
    const sequentialCat = await time(async () => {
      for (const p of paths) await transport.exec(cmd('cat', p), { okExitCodes: [0, 1] });
    });
    const sequentialSftp = await time(async () => {
      for (const p of paths) await transport.readFile(p).catch(() => null);
    });
    const whole = (await pendingChanges(t.db, ring, app)).find((p) => p.ok);
    console.log(
      `pending check per server: one script ${script} ms; 4 sequential cat ${sequentialCat} ms; 4 sequential sftp reads ${sequentialSftp} ms; whole check incl. context ${whole?.ok ? whole.ms : '?'} ms`,
    );
    expect(script).toBeLessThan(5000); // ~100 ms idle; the figure is printed above, the bound only catches a hang
  });
});

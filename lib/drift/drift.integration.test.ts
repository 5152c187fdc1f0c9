import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { dismissFinding, findingsOfServer } from '@/db/queries/drift';
import { insertChannel } from '@/db/queries/notifications';
import { createRun, updateRun } from '@/db/queries/runs';
import { findServer, updateServer } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import { notifications, type App, type Server } from '@/db/schema';
import { runConfigure } from '@/lib/apps/configure-job';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { appConfigInput } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { fpmService } from '@/lib/recipes/provision/context';
import { services, serviceSpecs } from '@/lib/recipes/provision/services';
import { runRecipe } from '@/lib/jobs/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { detectDrift } from './detect';
import { revertFinding } from './revert';

// Drift against a real host (scripts/testbed): hand edits, a deleted file and a stopped service
// are found by one check, alerted once, and Revert (configure, provision) puts them back.
let t: TestDb;
let server: Server;
let transport: Transport;
let app: App;
let adminId: number;
const ring = parseKeyRing(generateKeyText(1));
const l = appLayout('driftapp');
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};
const never = new AbortController().signal;

const findings = async () => Object.fromEntries((await findingsOfServer(t.db, server.id)).map((f) => [f.subject, f]));
const alerts = async () => (await t.db.select().from(notifications)).map((n) => n.event);
const check = async () => (await detectDrift(t.db, ring, [(await findServer(t.db, server.id))!]))[0];

/**
 * Runs what Revert queued, as the job worker would. A provisioning run gets the part of the
 * recipe that brings a stopped service back (its services task): the whole recipe would also
 * install Berth's nginx base (a 444 default server) on this test bed, which the other files that
 * share the bed do not expect.
 */
async function runQueued() {
  for (const job of queued.splice(0)) {
    if (job.kind === 'configure') await runConfigure(t.db, ring, job.runId, never);
    else if (job.kind === 'provision') {
      const ctx = {
        server: { name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
        reload: new Set<never>(),
      };
      expect(await runRecipe(t.db, job.runId, { name: 'provision', tasks: [services] }, ctx, transport, never)).toEqual({ ok: true });
    } else throw new Error(`unexpected job ${job.kind}`);
  }
}

beforeAll(async () => {
  t = await createTestDb();
  adminId = (await insertUser(t.db, { email: 'admin@example.test', name: 'Ada', role: 'admin', passwordHash: 'x' })).id;
  ({ server, transport } = await pinnedTestServer(t.db, ring, 'berth-host-1', 'drift-host-1'));
  await updateServer(t.db, server.id, { provisionedAt: new Date() });
  const config = appConfigInput.parse({
    slug: 'driftapp',
    kind: 'php',
    domains: ['driftapp.test'],
    workers: [{ name: 'default', argv: ['sleep', '1000'], processes: 1 }],
  });
  app = await insertApp(t.db, { slug: 'driftapp', name: 'Drift app', config }, [{ serverId: server.id, roles: ['web', 'worker'] }]);
  await insertChannel(t.db, { id: crypto.randomUUID(), name: 'ops', kind: 'webhook', configSealed: 'x', events: ['drift.detected'] });
  const run = await createRun(t.db, { serverId: server.id, appId: app.id, recipe: 'configure' });
  await runConfigure(t.db, ring, run.id, never);
});

afterAll(async () => {
  if (transport) {
    await transport.exec(ignoreFailure(cmd('cron'))); // never leave the bed without cron, whatever failed
    await transport.exec(cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, l.base, l.logDir));
    await transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
    await serviceSpecs(['8.2']).find((s) => s.service === fpmService('8.2'))!.reload!(transport);
    await transport.exec(and(ignoreFailure(cmd('userdel', '-f', 'driftapp')), ignoreFailure(cmd('groupdel', 'driftapp'))));
  }
  await closeAll();
  await t.close();
});

describe('drift on a real server', () => {
  it('finds nothing right after configure', async () => {
    expect(await check()).toMatchObject({ state: 'checked', open: 0, fresh: 0 });
    expect(await alerts()).toEqual([]);
  });

  it('finds a vhost edited so that nginx -t fails, a deleted pool file and a stopped cron, and alerts once', async () => {
    await transport.exec(cmd('sh', '-c', `printf 'this is not nginx;\\n' >> "$1"`, 'sh', l.vhostPath));
    expect((await transport.exec(cmd('nginx', '-t'), { okExitCodes: [0, 1] })).code).toBe(1);
    await transport.exec(cmd('rm', '-f', l.poolPath('8.2')));
    await transport.exec(cmd('pkill', '-x', 'cron'));

    expect(await check()).toMatchObject({ state: 'checked', open: 3, fresh: 3 });
    const found = await findings();
    expect(Object.fromEntries(Object.entries(found).map(([k, f]) => [k, f.change]))).toEqual({
      [l.vhostPath]: 'changed',
      [l.poolPath('8.2')]: 'missing',
      cron: 'stopped',
    });
    expect(found[l.vhostPath]!.diff).toContain('\n-this is not nginx;');
    expect(found[l.vhostPath]!.appId).toBe(app.id);
    expect(found.cron!.appId).toBeNull();
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ type: 'drift.detected', title: 'drift-host-1: 3 changes outside Berth', serverId: server.id });
    expect(alert!.text.split('\n').sort()).toEqual([`${l.poolPath('8.2')} deleted`, `${l.vhostPath} changed`, 'cron stopped'].sort());
  });

  it('alerts nothing new when the same drift is seen again; a dismissed finding comes back only when it changes', async () => {
    expect(await check()).toMatchObject({ state: 'checked', open: 3, fresh: 0 });
    expect(await alerts()).toHaveLength(1);
    await dismissFinding(t.db, (await findings())[l.vhostPath]!.id, adminId);
    await check();
    expect((await findings())[l.vhostPath]!.dismissedAt).not.toBeNull();
    await transport.exec(cmd('sh', '-c', `printf 'still not nginx;\\n' >> "$1"`, 'sh', l.vhostPath));
    expect(await check()).toMatchObject({ fresh: 1 });
    expect((await findings())[l.vhostPath]!.dismissedAt).toBeNull();
    expect((await alerts()).at(-1)).toMatchObject({ title: 'drift-host-1: 1 change outside Berth', text: `${l.vhostPath} changed` });
  });

  it('leaves a server with a run in progress for the next check', async () => {
    const before = await findings();
    const run = await createRun(t.db, { serverId: server.id, recipe: 'provision' });
    expect(await check()).toMatchObject({ state: 'busy' });
    await updateRun(t.db, run.id, { status: 'failed', finishedAt: new Date(Date.now() - 60_000) });
    expect(Object.keys(await findings())).toEqual(Object.keys(before));
  });

  it('Revert re-applies: configure rewrites the vhost and the pool, provisioning starts cron; the next check is clean', async () => {
    const found = await findings();
    expect(await revertFinding(t.db, enqueue, found[l.vhostPath]!, adminId)).toEqual({ via: 'configure', busy: [] });
    await runQueued();
    expect(await revertFinding(t.db, enqueue, found.cron!, adminId)).toEqual({ via: 'provision', busy: [] });
    await runQueued();
    expect((await transport.exec(cmd('nginx', '-t'), { okExitCodes: [0, 1] })).code).toBe(0);
    expect((await transport.readFile(l.vhostPath)).toString()).not.toContain('not nginx');
    expect((await transport.exec(cmd('test', '-f', l.poolPath('8.2')), { okExitCodes: [0, 1] })).code).toBe(0);
    expect((await transport.exec(cmd('pgrep', '-x', 'cron'), { okExitCodes: [0, 1] })).code).toBe(0);
    expect(await check()).toMatchObject({ state: 'checked', open: 0 });
    expect(await findings()).toEqual({});
  });
});

import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, insertApp, placementsOfApp } from '@/db/queries/apps';
import { insertRelease, updateRelease } from '@/db/queries/releases';
import { createRun, findRun } from '@/db/queries/runs';
import type { App, Server } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { closeAll, closeConnection } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { deleteServer } from '@/lib/servers/delete';
import { appLeftovers } from '@/test-support/app-leftovers';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { getWithHost, TESTBED_DIR } from '@/test-support/testbed-hosts';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { issue, makeCa, removeCa, type TestCa } from '@/test-support/tls-fixtures';
import { saveUploadedCertificate } from './certificates';
import { runConfigure } from './configure-job';
import { requestDeleteApp, requestRemoveServer } from './delete';
import { runTeardown } from './delete-job';
import { deleteStatus } from './delete-status';

// Delete on the two real test hosts: nothing of the app is left on either (test-support/app-leftovers.ts
// lists what is checked), another app keeps serving, and a host that is down makes a half-failed delete
// that is reported and then retried clean.
const ring = parseKeyRing(generateKeyText(1));
const signal = new AbortController().signal;
const dataDir = path.join(os.tmpdir(), 'berth-delete-test');
let t: TestDb;
let ca: TestCa;
const hosts: { server: Server; transport: Transport; address: string; name: 'berth-host-1' | 'berth-host-2' }[] = [];
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};

const phpApp = (slug: string): AppConfig =>
  appConfigInput.parse({
    slug,
    kind: 'php',
    domains: [`${slug}.test`],
    scheduler: true,
    cron: [{ schedule: '*/5 * * * *', argv: ['true'] }],
    workers: [{ name: 'queue', argv: ['sleep', '1000'], processes: 1 }],
    tls: { mode: 'uploaded' },
  });

async function placeOnBoth(slug: string): Promise<App> {
  const both = hosts.map((h) => ({ serverId: h.server.id, roles: ['web', 'worker'] }));
  const app = await insertApp(t.db, { slug, name: slug, config: phpApp(slug) }, both);
  const pair = issue(ca, [`${slug}.test`]);
  await saveUploadedCertificate(t.db, ring, app, { certificate: pair.certPem, key: pair.keyPem });
  for (const h of hosts) {
    const run = await createRun(t.db, { serverId: h.server.id, recipe: 'configure', appId: app.id });
    await runConfigure(t.db, ring, run.id, signal);
    expect(await findRun(t.db, run.id)).toMatchObject({ status: 'succeeded' });
  }
  return app;
}

/** Runs the teardown jobs queued since the last call, as the worker would, one after the other. */
async function runQueued() {
  const runs = queued.splice(0).flatMap((p) => (p.kind === 'teardown' ? [p.runId] : []));
  for (const runId of runs) await runTeardown(t.db, ring, runId, signal, dataDir);
  return runs.length;
}

/** A host that stops answering, as a hung or powered-off machine does: every process of it frozen. */
function freeze(name: string, signalName: 'STOP' | 'CONT') {
  const initPid = spawnSync('cat', [path.join(TESTBED_DIR, 'hosts', name, 'init.pid')], { encoding: 'utf8' }).stdout.trim();
  const out = spawnSync('pkill', [`-${signalName}`, '--ns', initPid, '--nslist', 'mnt'], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
}

beforeAll(async () => {
  t = await createTestDb();
  ca = makeCa();
  for (const [name, label] of [
    ['berth-host-1', 'del-a'],
    ['berth-host-2', 'del-b'],
  ] as const) {
    const { host, server, transport } = await pinnedTestServer(t.db, ring, name, label);
    hosts.push({ server, transport, address: host.address, name });
  }
});

afterAll(async () => {
  // Never leave a host frozen (a failed assertion inside the try is covered by its finally; this covers the rest).
  freeze('berth-host-2', 'CONT');
  await closeAll();
  await t?.close();
  if (ca) removeCa(ca);
});

describe('deleting an app on real hosts', () => {
  it('removes everything of the app from both hosts, while another app there keeps serving; removing a server from an app cleans that server only', async () => {
    const stays = await insertApp(
      t.db,
      { slug: 'stays', name: 'stays', config: appConfigInput.parse({ slug: 'stays', kind: 'static', domains: ['stays.test'] }) },
      hosts.map((h) => ({ serverId: h.server.id, roles: ['web'] })),
    );
    for (const h of hosts) {
      const run = await createRun(t.db, { serverId: h.server.id, recipe: 'configure', appId: stays.id });
      await runConfigure(t.db, ring, run.id, signal);
    }
    // Taken off del-b alone (the placement form's "Remove from"): the same teardown, there only; the app stays on del-a.
    await requestRemoveServer(t.db, enqueue, { appId: stays.id, serverId: hosts[1]!.server.id, userId: null });
    expect(await runQueued()).toBe(1);
    expect((await placementsOfApp(t.db, stays.id)).map((p) => p.server.name)).toEqual(['del-a']);
    expect((await findApp(t.db, stays.id))?.deletingAt).toBeNull();
    expect(await appLeftovers(hosts[1]!.transport, 'stays')).toEqual([]);
    const gone = await placeOnBoth('gone');
    for (const h of hosts) {
      // Something in shared/ and a release, as deploys leave them.
      await h.transport.upload('APP_KEY=x\n', '/var/www/gone/shared/.env', { mode: 0o640, owner: 'gone', group: 'gone' });
      expect(await appLeftovers(h.transport, 'gone')).toEqual(
        expect.arrayContaining(['user gone', '/var/www/gone', '/etc/cron.d/berth-gone', '/etc/berth/tls/gone']),
      );
    }

    // Refused while it deploys: nothing is marked or queued.
    const release = await insertRelease(t.db, { appId: gone.id, kind: 'deploy', ref: 'main', trigger: 'button', requestedBy: null });
    await expect(requestDeleteApp(t.db, enqueue, { appId: gone.id, confirmSlug: 'gone', deleteData: false, userId: null })).rejects.toThrow(
      /A release of gone is queued/,
    );
    expect(queued).toEqual([]);
    await updateRelease(t.db, release.id, { status: 'failed', finishedAt: new Date() });
    // A server in use cannot be deleted: the apps are named.
    await expect(deleteServer(t.db, hosts[0]!.server.id, 'del-a')).rejects.toThrow(/del-a is used by gone, stays/);

    const out = await requestDeleteApp(t.db, enqueue, { appId: gone.id, confirmSlug: 'gone', deleteData: false, userId: null });
    expect(out.queued).toEqual(['del-a', 'del-b']);
    expect(await runQueued()).toBe(2);
    expect(await findApp(t.db, gone.id)).toBeUndefined();
    const status = await deleteStatus(t.db, gone.id);
    expect(status.state).toBe('deleted');
    if (status.state === 'deleted') {
      expect(status.report.servers.map((s) => s.server)).toEqual(['del-a', 'del-b']);
      expect(status.report.servers[0]!.removed.join('\n')).toMatch(/vhost removed[\s\S]*user gone/);
    }
    for (const h of hosts) expect(await appLeftovers(h.transport, 'gone')).toEqual([]);
    expect((await getWithHost(hosts[0]!.address, 'stays.test')).body).toContain('stays is configured by Berth');
  }, 60_000); // two configures on each host, then the teardowns

  it('a host down: the delete is reported half-failed, keeps that placement, and is retried clean once it is back', async () => {
    const half = await placeOnBoth('half');
    const down = hosts[1]!;
    await closeConnection(down.server.id);
    freeze(down.name, 'STOP');
    try {
      await requestDeleteApp(t.db, enqueue, { appId: half.id, confirmSlug: 'half', deleteData: false, userId: null });
      await runQueued();
    } finally {
      freeze(down.name, 'CONT');
    }
    const status = await deleteStatus(t.db, half.id);
    expect(status).toMatchObject({
      state: 'deleting',
      servers: [
        { server: 'del-a', status: 'succeeded', failed: null },
        { server: 'del-b', status: 'failed', failed: { error: expect.stringMatching(/del-b/) } },
      ],
    });
    expect(await appLeftovers(hosts[0]!.transport, 'half')).toEqual([]);
    expect(await appLeftovers(down.transport, 'half')).toContain('user half');
    expect((await t.db.query.appServers.findMany({ where: (p, { eq }) => eq(p.appId, half.id) })).map((p) => p.serverId)).toEqual([
      down.server.id,
    ]);
    expect(await placementsOfApp(t.db, half.id)).toEqual([]);

    const retry = await requestDeleteApp(t.db, enqueue, { appId: half.id, confirmSlug: 'half', deleteData: false, userId: null });
    expect(retry.queued).toEqual(['del-b']);
    await runQueued();
    expect(await findApp(t.db, half.id)).toBeUndefined();
    for (const h of hosts) expect(await appLeftovers(h.transport, 'half')).toEqual([]);
  }, 60_000); // the frozen host costs the connection timeout (10 s)
});

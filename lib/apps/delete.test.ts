import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletedAppEvent } from '@/db/queries/app-deletes';
import { findApp, findAppBySlug, insertApp, placementsOfApp } from '@/db/queries/apps';
import { appConfigInput } from '@/lib/model/app-config';
import { insertRelease, updateRelease } from '@/db/queries/releases';
import { createRun, updateRun } from '@/db/queries/runs';
import { findServerByName } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { requestDeploy } from '@/lib/releases/requests';
import { deleteServer } from '@/lib/servers/delete';
import { editServer } from '@/lib/servers/edit';
import { seedEveryKind } from '@/test-support/fleet-seed';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { requestDeleteApp, requestRemoveServer } from './delete';
import { finishDelete, teardownSucceeded } from './delete-job';
import { deleteStatus } from './delete-status';

// The request side and the panel's side of a delete; the teardown on real hosts is delete.integration.test.ts.
let t: TestDb;
let userId: number;
const ring = parseKeyRing(generateKeyText(1));
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};

beforeAll(async () => {
  t = await createTestDb();
  await seedEveryKind(t.db, ring);
  userId = (await insertUser(t.db, { email: 'a@example.test', name: 'A', role: 'admin', passwordHash: 'x' })).id;
});
afterAll(async () => t?.close());

const app = async (slug: string) => (await findAppBySlug(t.db, slug))!;
const server = async (name: string) => (await findServerByName(t.db, name))!;

describe('deleting an app', () => {
  it('refuses a slug that is not typed exactly, with a field error, and changes nothing', async () => {
    const docs = await app('docs');
    for (const confirmSlug of ['', 'Docs', 'doc', 'docs-']) {
      const err = await requestDeleteApp(t.db, enqueue, { appId: docs.id, confirmSlug, deleteData: false, userId }).catch((e) => e);
      expect(err.fieldErrors).toEqual({ confirmSlug: ['Type docs exactly'] });
    }
    expect((await findApp(t.db, docs.id))?.deletingAt).toBeNull();
    expect(queued).toEqual([]);
  });

  it('refuses while the app deploys or is being configured, naming the run', async () => {
    const shop = await app('shop');
    const release = await insertRelease(t.db, { appId: shop.id, kind: 'deploy', ref: 'main', trigger: 'button', requestedBy: userId });
    await expect(requestDeleteApp(t.db, enqueue, { appId: shop.id, confirmSlug: 'shop', deleteData: false, userId })).rejects.toThrow(
      /A release of shop is queued: delete it when that ends/,
    );
    await updateRelease(t.db, release.id, { status: 'failed', finishedAt: new Date() });
    const run = await createRun(t.db, { serverId: (await server('web-1')).id, appId: shop.id, recipe: 'configure' });
    await expect(requestDeleteApp(t.db, enqueue, { appId: shop.id, confirmSlug: 'shop', deleteData: false, userId })).rejects.toThrow(
      /shop has a configure run queued/,
    );
    await updateRun(t.db, run.id, { status: 'succeeded', finishedAt: new Date() });
    expect((await findApp(t.db, shop.id))?.deletingAt).toBeNull();
  });

  it('marks the app deleting, queues one teardown per server, and refuses deploys from then on', async () => {
    queued.length = 0;
    const shop = await app('shop');
    const out = await requestDeleteApp(t.db, enqueue, { appId: shop.id, confirmSlug: ' shop ', deleteData: true, userId });
    expect(out.queued).toEqual(['web-1', 'web-2']);
    expect(queued.map((p) => p.kind)).toEqual(['teardown', 'teardown']);
    const row = (await findApp(t.db, shop.id))!;
    expect(row.deletingAt).toBeInstanceOf(Date);
    expect(row.deleteData).toBe(true);
    // Nothing configures or releases a server the app is being taken off.
    expect(await placementsOfApp(t.db, shop.id)).toEqual([]);
    await expect(requestDeploy(t.db, enqueue, { appId: shop.id, ref: 'main', userId, trigger: 'button' })).rejects.toThrow(/being deleted/);
  });

  it('a half-failed delete: the failed server is reported, and Delete again queues only what is left', async () => {
    const shop = await app('shop');
    const [web1, web2] = [await server('web-1'), await server('web-2')];
    const runs = await t.db.query.recipeRuns.findMany({ where: (r, { eq }) => eq(r.appId, shop.id) });
    const teardown = (serverId: string) => runs.find((r) => r.recipe === 'teardown' && r.serverId === serverId)!;
    await updateRun(t.db, teardown(web1.id).id, { status: 'succeeded', finishedAt: new Date() });
    await t.db.execute(sql`delete from app_servers where app_id = ${shop.id} and server_id = ${web1.id}`);
    await updateRun(t.db, teardown(web2.id).id, { status: 'failed', error: 'web-2 did not answer', finishedAt: new Date() });
    const status = await deleteStatus(t.db, shop.id);
    expect(status).toMatchObject({
      state: 'deleting',
      servers: [
        { server: 'web-1', status: 'succeeded', failed: null },
        { server: 'web-2', status: 'failed', failed: { error: 'web-2 did not answer' } },
      ],
    });
    queued.length = 0;
    // The retry keeps the data choice made the first time, even unticked.
    const retry = await requestDeleteApp(t.db, enqueue, { appId: shop.id, confirmSlug: 'shop', deleteData: false, userId });
    expect(retry.queued).toEqual(['web-2']);
    expect(retry.app.deleteData).toBe(true);
    expect(queued).toHaveLength(1);
  });

  it('when the last server is clean: the report goes to the audit trail and the app with all its rows', async () => {
    const shop = await app('shop');
    const report = await finishDelete(t.db, shop, '/nonexistent', userId);
    expect(report.slug).toBe('shop');
    expect(report.kept.join(' ')).toMatch(/backup repositories/);
    expect(await findApp(t.db, shop.id)).toBeUndefined();
    expect((await deletedAppEvent(t.db, shop.id))?.details).toMatchObject({ slug: 'shop', deleteData: true });
    expect(await deleteStatus(t.db, shop.id)).toMatchObject({ state: 'deleted', report: { slug: 'shop' } });
    // Its monitor went with it (cascade).
    const monitors = await t.db.query.monitors.findMany();
    expect(monitors.some((m) => m.appId === shop.id)).toBe(false);
  });
});

describe('taking an app off one server', () => {
  it('refuses to take away the only web server', async () => {
    const api = await app('api');
    await expect(requestRemoveServer(t.db, enqueue, { appId: api.id, serverId: (await server('web-2')).id, userId })).rejects.toThrow(
      /web-2 is the app’s only web server/,
    );
  });

  it('a removal that ends after the app’s delete was asked for, last of all, finishes the delete', async () => {
    const docs = await app('docs');
    const [web1, web2] = [await server('web-1'), await server('web-2')];
    await t.db.execute(sql`insert into app_servers (app_id, server_id, roles) values (${docs.id}, ${web2.id}, '{web}')`);
    // web-2's removal is queued, and its run starts (reading the app) before the delete is asked for.
    expect(await requestRemoveServer(t.db, enqueue, { appId: docs.id, serverId: web2.id, userId })).toMatchObject({ queued: true });
    const removalStartedAs = await app('docs');
    const out = await requestDeleteApp(t.db, enqueue, { appId: docs.id, confirmSlug: 'docs', deleteData: false, userId });
    expect(out).toMatchObject({ queued: ['web-1'], busy: ['web-2'] });
    await teardownSucceeded(t.db, await app('docs'), web1.id, '/nonexistent', userId);
    expect((await findApp(t.db, docs.id))?.deletingAt).toBeInstanceOf(Date);
    await teardownSucceeded(t.db, removalStartedAs, web2.id, '/nonexistent', userId);
    expect(await findApp(t.db, docs.id)).toBeUndefined();
    expect(await deleteStatus(t.db, docs.id)).toMatchObject({ state: 'deleted', report: { slug: 'docs' } });
  });
});

describe('a removal from one server that failed', () => {
  it('is retried by asking again (the placement is already being taken off)', async () => {
    const [web1, web2] = [await server('web-1'), await server('web-2')];
    const config = appConfigInput.parse({ slug: 'twice', kind: 'static', domains: ['twice.example.com'] });
    const placements = [web1, web2].map((s) => ({ serverId: s.id, roles: ['web'] }));
    const twice = await insertApp(t.db, { slug: 'twice', name: 'Twice', config }, placements);
    try {
      const remove = () => requestRemoveServer(t.db, enqueue, { appId: twice.id, serverId: web2.id, userId });
      expect(await remove()).toEqual({ serverName: 'web-2', queued: true });
      const runs = await t.db.query.recipeRuns.findMany({ where: (r, { eq }) => eq(r.appId, twice.id) });
      await updateRun(t.db, runs[0]!.id, { status: 'failed', error: 'web-2 did not answer', finishedAt: new Date() });
      queued.length = 0;
      expect(await remove()).toEqual({ serverName: 'web-2', queued: true });
      expect(queued.map((p) => p.kind)).toEqual(['teardown']);
    } finally {
      await t.db.execute(sql`delete from apps where id = ${twice.id}`);
    }
  });
});

describe('a delete whose servers are all clean', () => {
  it('finishes on Delete again when the panel stopped before removing the app (nothing is left to queue)', async () => {
    const config = appConfigInput.parse({ slug: 'left', kind: 'static', domains: ['left.example.com'] });
    const left = await insertApp(t.db, { slug: 'left', name: 'Left', config }, []);
    await t.db.execute(sql`update apps set deleting_at = now() where id = ${left.id}`);
    queued.length = 0;
    const out = await requestDeleteApp(t.db, enqueue, {
      appId: left.id,
      confirmSlug: 'left',
      deleteData: false,
      userId,
      dataDir: '/nonexistent',
    });
    expect(out).toMatchObject({ queued: [], busy: [] });
    expect(queued).toEqual([]);
    expect(await deleteStatus(t.db, left.id)).toMatchObject({ state: 'deleted', report: { slug: 'left' } });
  });
});

describe('servers: edit and delete', () => {
  it('refuses to delete a server in use, naming the apps; then deletes it once none is left', async () => {
    const web2 = await server('web-2');
    await expect(deleteServer(t.db, web2.id, 'web-2')).rejects.toThrow(/web-2 is used by api: take that app off it/);
    await expect(deleteServer(t.db, web2.id, 'web-1')).rejects.toThrow(/Type the server’s name/);
    await t.db.execute(sql`delete from apps where slug = 'api'`);
    await deleteServer(t.db, web2.id, 'web-2');
    expect(await findServerByName(t.db, 'web-2')).toBeUndefined();
  });

  it('edits name, port, user and bind address, keeping the pinned host key; a taken name is a field error', async () => {
    const web1 = await server('web-1');
    const out = await editServer(t.db, web1.id, { name: 'web-one', port: 2222, username: 'deploy', bindAddress: null });
    expect(out).toMatchObject({ changed: ['name', 'port', 'username', 'bindAddress'], reprobe: true, reconfigure: true });
    const after = (await findServerByName(t.db, 'web-one'))!;
    expect(after.hostKeyFingerprint).toBe(web1.hostKeyFingerprint);
    expect(after.port).toBe(2222);
    await t.db.execute(sql`insert into servers (id, name, host, username) values (gen_random_uuid(), 'web-9', '10.0.0.9', 'root')`);
    const err = await editServer(t.db, web1.id, { name: 'web-9', port: 2222, username: 'deploy', bindAddress: null }).catch((e) => e);
    expect(err.fieldErrors).toEqual({ name: ['Already in use'] });
  });
});

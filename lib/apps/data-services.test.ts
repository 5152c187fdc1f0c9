import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, findAppBySlug, insertApp, updateAppConfig, upsertPlacements } from '@/db/queries/apps';
import { envValueAad } from '@/db/sealed-aad';
import { listEnvKeys, openEnvValues, upsertEnvValues } from '@/db/queries/env-values';
import { createRun, createTasks, updateRun, updateTask } from '@/db/queries/runs';
import { getSetting } from '@/db/queries/settings';
import { appEnvValues, appServers } from '@/db/schema';
import { and, eq } from 'drizzle-orm';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, open, parseKeyRing } from '@/lib/crypto';
import { createServer } from '@/lib/servers/create';
import { REDIS_OPEN_WARNING, postgresTrustWarning } from '@/lib/recipes/configure/data-warnings';
import { appConfigInput } from '@/lib/model/app-config';
import { configureContextFor } from './configure-context';
import { dataServerKey, dataServerOf, dataServiceWarnings, ensureDataCredentials, isDataServer, recordRedisAcl } from './data-services';

let t: TestDb;
const ring = parseKeyRing(generateKeyText(1));
const server = (name: string) => createServer(t.db, ring, { name, host: '127.0.0.1', port: 22, username: 'root', bindAddress: null });
const config = (dataServices: { postgres: boolean; redis: boolean }) =>
  appConfigInput.parse({ slug: 'my-shop', kind: 'static', domains: ['shop.test'], dataServices });

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t?.close());

describe('data service credentials', () => {
  it('makes them once, sealed and managed, and a retry gets the same ones', async () => {
    const s = await server('one');
    const app = await insertApp(t.db, { slug: 'my-shop', name: 'Shop', config: config({ postgres: true, redis: true }) }, [
      { serverId: s.id, roles: ['web'] },
    ]);
    const first = await ensureDataCredentials(t.db, ring, app);
    expect(first).toEqual({
      postgres: { database: 'app_my_shop', role: 'app_my_shop', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
      redis: { user: 'berth-my-shop', prefix: 'my-shop:', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
    });
    expect(await ensureDataCredentials(t.db, ring, app)).toEqual(first);
    const keys = await listEnvKeys(t.db, app.id);
    expect(keys.map((k) => k.key)).toEqual([
      'DB_CONNECTION',
      'DB_DATABASE',
      'DB_HOST',
      'DB_PASSWORD',
      'DB_PORT',
      'DB_USERNAME',
      'REDIS_HOST',
      'REDIS_PASSWORD',
      'REDIS_PORT',
      'REDIS_PREFIX',
      'REDIS_USERNAME',
    ]);
    expect(keys.every((k) => k.managed)).toBe(true);

    const [row] = await t.db.select().from(appEnvValues).limit(1);
    expect(row!.sealedValue).toMatch(/^berth:v1:1:/);
    expect(() => open(ring, row!.sealedValue, envValueAad(app.id, row!.key === 'DB_HOST' ? 'DB_PORT' : 'DB_HOST'))).toThrow(
      /does not open/,
    );
  });

  it('keeps values corrected by hand (DB_HOST too), and makes an emptied database password again', async () => {
    const app = (await findAppBySlug(t.db, 'my-shop'))!;
    await upsertEnvValues(t.db, ring, app.id, { DB_HOST: '10.0.0.5', DB_PASSWORD: 'chosen-by-hand' }, true);
    const creds = await ensureDataCredentials(t.db, ring, app);
    expect(creds.postgres?.password).toBe('chosen-by-hand');
    expect((await openEnvValues(t.db, ring, app.id, ['DB_HOST'])).DB_HOST).toBe('10.0.0.5');
    await upsertEnvValues(t.db, ring, app.id, { DB_PASSWORD: '' }, true);
    const again = await ensureDataCredentials(t.db, ring, app);
    expect(again.postgres?.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await openEnvValues(t.db, ring, app.id, ['DB_PASSWORD'])).DB_PASSWORD).toBe(again.postgres?.password);
  });

  it('drops the Redis user pair where Redis has no ACLs, keeps it away, and brings it back when Redis has them', async () => {
    const app = (await findAppBySlug(t.db, 'my-shop'))!;
    await recordRedisAcl(t.db, ring, app, false);
    const keys = async () => (await listEnvKeys(t.db, app.id)).map((k) => k.key).filter((k) => k.startsWith('REDIS_'));
    expect(await keys()).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PREFIX']);
    expect((await ensureDataCredentials(t.db, ring, app)).redis).toEqual({ user: 'berth-my-shop', prefix: 'my-shop:' }); // no password: no user to make
    expect(await keys()).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PREFIX']);
    await recordRedisAcl(t.db, ring, app, undefined); // the redis task did not get that far
    expect(await keys()).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PREFIX']);

    await recordRedisAcl(t.db, ring, app, true);
    const back = await ensureDataCredentials(t.db, ring, app);
    expect(back.redis?.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await openEnvValues(t.db, ring, app.id, ['REDIS_USERNAME', 'REDIS_PASSWORD'])).toEqual({
      REDIS_USERNAME: 'berth-my-shop',
      REDIS_PASSWORD: back.redis?.password,
    });
    await recordRedisAcl(t.db, ring, app, true);
    expect((await ensureDataCredentials(t.db, ring, app)).redis?.password).toBe(back.redis?.password); // made once

    await upsertEnvValues(t.db, ring, app.id, { REDIS_PASSWORD: 'requirepass-by-hand' }, false);
    await recordRedisAcl(t.db, ring, app, false);
    expect(await keys()).toEqual(['REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_PORT', 'REDIS_PREFIX']); // only managed values go
  });

  it('makes nothing for services that are off', async () => {
    const s = await server('two');
    const app = await insertApp(
      t.db,
      { slug: 'plain', name: 'Plain', config: { ...config({ postgres: false, redis: false }), slug: 'plain' } },
      [{ serverId: s.id, roles: ['web'] }],
    );
    expect(await ensureDataCredentials(t.db, ring, app)).toEqual({});
    await updateAppConfig(t.db, app.id, { ...app.config, dataServices: { postgres: false, redis: true } });
    expect(Object.keys(await ensureDataCredentials(t.db, ring, (await findApp(t.db, app.id))!))).toEqual(['redis']);
    expect((await listEnvKeys(t.db, app.id)).map((k) => k.key)).toEqual([
      'REDIS_HOST',
      'REDIS_PASSWORD',
      'REDIS_PORT',
      'REDIS_PREFIX',
      'REDIS_USERNAME',
    ]);
  });

  it("puts the data on the app's first web server by name, and only there in the context", async () => {
    const [b, a, w] = [await server('web-b'), await server('web-a'), await server('aaa-worker')];
    const app = await insertApp(
      t.db,
      { slug: 'multi', name: 'Multi', config: { ...config({ postgres: true, redis: false }), slug: 'multi' } },
      [
        { serverId: b.id, roles: ['web'] },
        { serverId: a.id, roles: ['web', 'worker'] },
        { serverId: w.id, roles: ['worker'] },
      ],
    );
    expect([
      await isDataServer(t.db, app.id, a.id),
      await isDataServer(t.db, app.id, b.id),
      await isDataServer(t.db, app.id, w.id),
    ]).toEqual([true, false, false]);
    const onA = await configureContextFor(t.db, app, a, ring);
    expect(onA).toMatchObject({ dataServer: true, dataCredentials: { postgres: { database: 'app_multi' } } });
    const onB = await configureContextFor(t.db, app, b, ring);
    expect(onB.dataServer).toBe(false);
    expect(onB.dataCredentials).toBeUndefined();
    expect((await configureContextFor(t.db, app, a)).dataCredentials).toBeUndefined(); // no key ring: no secrets (pending-changes view)
  });

  it('keeps the data server it made the credentials for, whatever placements do later', async () => {
    const [b, a] = [await server('pin-b'), await server('pin-a')];
    const app = await insertApp(
      t.db,
      { slug: 'pinned', name: 'Pinned', config: { ...config({ postgres: true, redis: true }), slug: 'pinned' } },
      [{ serverId: b.id, roles: ['web'] }],
    );
    expect(await dataServerOf(t.db, app.id)).toMatchObject({ server: { id: b.id }, pinned: false, gone: false });
    expect(await getSetting(t.db, dataServerKey(app.id))).toBeUndefined(); // the card and the pending view pin nothing

    await configureContextFor(t.db, app, b, ring); // what a configure run does first: makes the credentials, pins b
    expect(await getSetting(t.db, dataServerKey(app.id))).toBe(b.id);
    expect((await listEnvKeys(t.db, app.id)).some((k) => /SERVER/.test(k.key))).toBe(false); // never an env value: it would reach the app's .env

    // A web server that sorts first arrives, and b stops serving web: the data stays on b.
    await upsertPlacements(t.db, app.id, [
      { serverId: a.id, roles: ['web'] },
      { serverId: b.id, roles: ['worker'] },
    ]);
    expect(await dataServerOf(t.db, app.id)).toMatchObject({ server: { id: b.id }, pinned: true, gone: false });
    expect((await configureContextFor(t.db, app, a, ring)).dataServer).toBe(false);
    expect(await configureContextFor(t.db, app, b, ring)).toMatchObject({
      dataServer: true,
      dataCredentials: { postgres: { database: 'app_pinned' } },
    });

    // b leaves the app: nothing is made afresh on a; the tasks refuse instead.
    await t.db.delete(appServers).where(and(eq(appServers.appId, app.id), eq(appServers.serverId, b.id)));
    expect(await dataServerOf(t.db, app.id)).toEqual({ server: undefined, pinned: true, gone: true });
    expect(await configureContextFor(t.db, app, a, ring)).toMatchObject({ dataServer: false, dataServerGone: true });
  });

  it('shows the warnings of the latest database and redis tasks on the data server', async () => {
    const s = await server('warned');
    const app = await insertApp(
      t.db,
      { slug: 'warned', name: 'Warned', config: { ...config({ postgres: true, redis: true }), slug: 'warned' } },
      [{ serverId: s.id, roles: ['web'] }],
    );
    const run = async (summaries: Record<string, string>, status: 'changed' | 'unchanged' | 'failed' = 'unchanged') => {
      const r = await createRun(t.db, { serverId: s.id, recipe: 'configure', appId: app.id });
      for (const task of await createTasks(t.db, r.id, Object.keys(summaries)))
        await updateTask(t.db, task.id, { status, summary: summaries[task.name]!, finishedAt: new Date() });
      await updateRun(t.db, r.id, { status: status === 'failed' ? 'failed' : 'succeeded', finishedAt: new Date() });
    };
    expect(await dataServiceWarnings(t.db, app.id, s.id)).toEqual([]);
    await run(
      {
        database: `created role app_warned. ${postgresTrustWarning('from 127.0.0.1')}`,
        redis: `set ACL user berth-warned. ${REDIS_OPEN_WARNING}`,
      },
      'changed',
    );
    expect(await dataServiceWarnings(t.db, app.id, s.id)).toEqual([postgresTrustWarning('from 127.0.0.1'), REDIS_OPEN_WARNING]);
    await run({ database: 'database app_warned owned by role app_warned, which alone may connect' });
    expect(await dataServiceWarnings(t.db, app.id, s.id)).toEqual([REDIS_OPEN_WARNING]);
    await run({ redis: 'interrupted' }, 'failed'); // a failed task found nothing
    expect(await dataServiceWarnings(t.db, app.id, s.id)).toEqual([REDIS_OPEN_WARNING]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, findAppBySlug, insertApp, updateAppConfig } from '@/db/queries/apps';
import { envValueAad, listEnvKeys, openEnvValues, upsertEnvValues } from '@/db/queries/env-values';
import { appEnvValues } from '@/db/schema';
import { createTestDb, type TestDb } from '@/db/test-db';
import { generateKeyText, open, parseKeyRing } from '@/lib/crypto';
import { createServer } from '@/lib/servers/create';
import { appConfigInput } from './config';
import { configureContextFor } from './configure-context';
import { ensureDataCredentials, isDataServer } from './data-services';

let t: TestDb;
const ring = parseKeyRing(generateKeyText(1));
const server = (name: string) => createServer(t.db, ring, { name, host: '127.0.0.1', port: 22, username: 'root', bindAddress: null });
const config = (dataServices: { postgres: boolean; redis: boolean }) => appConfigInput.parse({ slug: 'my-shop', kind: 'static', domains: ['shop.test'], dataServices });

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t?.close());

describe('data service credentials', () => {
  it('makes them once, sealed and managed, and a retry gets the same ones', async () => {
    const s = await server('one');
    const app = await insertApp(t.db, { slug: 'my-shop', name: 'Shop', config: config({ postgres: true, redis: true }) }, [{ serverId: s.id, roles: ['web'] }]);
    const first = await ensureDataCredentials(t.db, ring, app);
    expect(first).toEqual({
      postgres: { database: 'app_my_shop', role: 'app_my_shop', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
      redis: { user: 'berth-my-shop', prefix: 'my-shop:', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
    });
    expect(await ensureDataCredentials(t.db, ring, app)).toEqual(first);
    const keys = await listEnvKeys(t.db, app.id);
    expect(keys.map((k) => k.key)).toEqual(['DB_CONNECTION', 'DB_DATABASE', 'DB_HOST', 'DB_PASSWORD', 'DB_PORT', 'DB_USERNAME', 'REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_PORT', 'REDIS_PREFIX', 'REDIS_USERNAME']);
    expect(keys.every((k) => k.managed)).toBe(true);

    const [row] = await t.db.select().from(appEnvValues).limit(1);
    expect(row!.sealedValue).toMatch(/^berth:v1:1:/);
    expect(() => open(ring, row!.sealedValue, envValueAad(app.id, row!.key === 'DB_HOST' ? 'DB_PORT' : 'DB_HOST'))).toThrow(/does not open/);
  });

  it('puts back a changed managed value but keeps a password that is set', async () => {
    const app = (await findAppBySlug(t.db, 'my-shop'))!;
    const before = await openEnvValues(t.db, ring, app.id);
    await upsertEnvValues(t.db, ring, app.id, { DB_DATABASE: 'elsewhere', DB_PASSWORD: 'chosen-by-hand' }, true);
    const creds = await ensureDataCredentials(t.db, ring, app);
    expect(creds.postgres?.password).toBe('chosen-by-hand');
    expect((await openEnvValues(t.db, ring, app.id, ['DB_DATABASE'])).DB_DATABASE).toBe(before.DB_DATABASE);
  });

  it('makes nothing for services that are off', async () => {
    const s = await server('two');
    const app = await insertApp(t.db, { slug: 'plain', name: 'Plain', config: { ...config({ postgres: false, redis: false }), slug: 'plain' } }, [{ serverId: s.id, roles: ['web'] }]);
    expect(await ensureDataCredentials(t.db, ring, app)).toEqual({});
    await updateAppConfig(t.db, app.id, { ...app.config, dataServices: { postgres: false, redis: true } });
    expect(Object.keys(await ensureDataCredentials(t.db, ring, (await findApp(t.db, app.id))!))).toEqual(['redis']);
    expect((await listEnvKeys(t.db, app.id)).map((k) => k.key)).toEqual(['REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_PORT', 'REDIS_PREFIX', 'REDIS_USERNAME']);
  });

  it("puts the data on the app's first web server by name, and only there in the context", async () => {
    const [b, a, w] = [await server('web-b'), await server('web-a'), await server('aaa-worker')];
    const app = await insertApp(t.db, { slug: 'multi', name: 'Multi', config: { ...config({ postgres: true, redis: false }), slug: 'multi' } }, [
      { serverId: b.id, roles: ['web'] },
      { serverId: a.id, roles: ['web', 'worker'] },
      { serverId: w.id, roles: ['worker'] },
    ]);
    expect([await isDataServer(t.db, app.id, a.id), await isDataServer(t.db, app.id, b.id), await isDataServer(t.db, app.id, w.id)]).toEqual([true, false, false]);
    const onA = await configureContextFor(t.db, app, a, ring);
    expect(onA).toMatchObject({ dataServer: true, dataCredentials: { postgres: { database: 'app_multi' } } });
    const onB = await configureContextFor(t.db, app, b, ring);
    expect(onB.dataServer).toBe(false);
    expect(onB.dataCredentials).toBeUndefined();
    expect((await configureContextFor(t.db, app, a)).dataCredentials).toBeUndefined(); // no key ring: no secrets (pending-changes view)
  });
});


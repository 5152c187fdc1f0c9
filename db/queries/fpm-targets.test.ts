import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { apps, servers } from '../schema';
import { insertApp } from './apps';
import { fpmTargets } from './fpm';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('fpmTargets', () => {
  it('skips an app whose stored pool config no longer parses; the other pools are still polled', async () => {
    const web = randomUUID();
    await t.db.insert(servers).values({
      id: web,
      name: 'web-1',
      host: '127.0.0.1',
      username: 'root',
      privateKeySealed: 'x',
      publicKey: 'x',
      hostKeyFingerprint: 'SHA256:x',
    });
    const config = (slug: string) => appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], pool: { maxChildren: 9 } });
    await insertApp(t.db, { slug: 'good', name: 'good', config: config('good') }, [{ serverId: web, roles: ['web'] }]);
    const bad = await insertApp(t.db, { slug: 'bad', name: 'bad', config: config('bad') }, [{ serverId: web, roles: ['web'] }]);
    // Written by an older version, or by hand: not a valid pool any more.
    await t.db
      .update(apps)
      .set({ config: sql`jsonb_set(${apps.config}, '{pool,maxChildren}', '"lots"')` })
      .where(eq(apps.id, bad.id));

    const targets = await fpmTargets(t.db);
    expect(targets.map((x) => [x.server.name, x.pools.map((p) => [p.slug, p.maxChildren])])).toEqual([['web-1', [['good', 9]]]]);
  });
});

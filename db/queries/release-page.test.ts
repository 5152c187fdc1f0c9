import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { auditEvents, checkRollups, monitors } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { insertApiToken } from './api-tokens';
import { insertApp } from './apps';
import { firstCheckAt } from './dashboard';
import { insertRelease, releasePage, updateRelease } from './releases';
import { insertUser } from './users';

let t: TestDb;
let appId: string;
let userId: number;

beforeAll(async () => {
  t = await createTestDb();
  appId = (
    await insertApp(
      t.db,
      { slug: 'shop', name: 'Shop', config: appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'] }) },
      [],
    )
  ).id;
  userId = (await insertUser(t.db, { email: 'ada@example.test', name: 'Ada', passwordHash: 'x', role: 'deployer' })).id;
  // 5 releases: by a person, by a webhook, through the API (a token, then a token deleted since), by Berth.
  const made = [];
  for (const trigger of ['button', 'webhook', 'button', 'button', 'auto-rollback'] as const) {
    const r = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger, requestedBy: trigger === 'button' ? userId : null });
    await updateRelease(t.db, r.id, { status: 'succeeded', createdAt: new Date(Date.UTC(2026, 0, 1, 0, made.length)) });
    made.push(r);
  }
  const token = await insertApiToken(t.db, { userId, name: 'ci', role: 'deployer', tokenHash: 'h', prefix: 'berth_ab' });
  const audit = (release: string, tokenId: string, outcome: 'success' | 'failure' = 'success') =>
    t.db.insert(auditEvents).values({ action: 'release.deploy', outcome, details: { via: 'api', token: tokenId, release } });
  await audit(made[2]!.id, token.id);
  await audit(made[3]!.id, crypto.randomUUID());
  await audit(made[0]!.id, token.id, 'failure');
});
afterAll(async () => t.close());

describe('releasePage', () => {
  it('pages newest first with who started each release, the API token named from its audit row', async () => {
    const first = await releasePage(t.db, appId, 1, 2);
    expect(first).toMatchObject({ total: 5, page: 1, pages: 3 });
    expect(first.rows.map((r) => [r.number, r.trigger, r.requestedByEmail, r.apiTokenName])).toEqual([
      [5, 'auto-rollback', null, null],
      [4, 'button', 'ada@example.test', 'a deleted token'],
    ]);
    const second = await releasePage(t.db, appId, 2, 2);
    expect(second.rows.map((r) => [r.number, r.apiTokenName])).toEqual([
      [3, 'ci'],
      [2, null],
    ]);
    // A failed API call that named release #1 did not start it: it reads as the person's click.
    expect((await releasePage(t.db, appId, 3, 2)).rows.map((r) => [r.number, r.apiTokenName])).toEqual([[1, null]]);
  });

  it('clamps a page beyond the last, below the first, or not a number', async () => {
    expect((await releasePage(t.db, appId, 99, 2)).page).toBe(3);
    expect((await releasePage(t.db, appId, -4, 2)).page).toBe(1);
    expect((await releasePage(t.db, appId, Number.NaN, 2)).page).toBe(1);
    expect(await releasePage(t.db, crypto.randomUUID(), 1, 2)).toEqual({ rows: [], total: 0, page: 1, pages: 1 });
  });
});

describe('firstCheckAt', () => {
  it('is the oldest minute bucket, unless the hour tier reaches further back than its own rounding', async () => {
    expect(await firstCheckAt(t.db, { appId })).toBeNull();
    const [m] = await t.db.insert(monitors).values({ name: 'shop', kind: 'http', appId, url: 'http://shop.test/' }).returning();
    const roll = (res: number, iso: string) =>
      t.db
        .insert(checkRollups)
        .values({ monitorId: m!.id, res, bucket: new Date(iso), checks: 1, failures: 0, latencySum: 1, latencyCount: 1 });
    await roll(60, '2026-03-10T11:40:00Z');
    await roll(3600, '2026-03-10T11:00:00Z');
    await roll(86_400, '2026-03-10T00:00:00Z');
    expect(await firstCheckAt(t.db, { appId })).toEqual(new Date('2026-03-10T11:40:00Z'));
    await roll(3600, '2026-03-08T09:00:00Z');
    expect(await firstCheckAt(t.db, { appId })).toEqual(new Date('2026-03-08T09:00:00Z'));
  });
});

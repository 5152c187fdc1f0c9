import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApp, findAppBySlug, placementsOfApp } from '@/db/queries/apps';
import { findRun } from '@/db/queries/runs';
import { findServerByName } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { seedEveryKind } from '@/test-support/fleet-seed';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { definitionText } from './compact';
import { applyText, planText } from './definitions';
import { exportFleet } from './export';

// Removing from a definition runs the UI's delete code (lib/apps/delete.ts): the same state and the same teardown runs.
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
const actor = { id: 0, email: 'ops@example.test' };
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};

beforeAll(async () => {
  t = await createTestDb();
  await seedEveryKind(t.db, ring);
  actor.id = (await insertUser(t.db, { email: actor.email, name: 'Ops', role: 'admin', passwordHash: 'x' })).id;
});
afterAll(async () => t?.close());

const exported = async () => definitionText(await exportFleet(t.db, ring));
async function plan(text: string) {
  const planned = await planText(t.db, ring, text);
  if (!planned.ok) throw new Error(JSON.stringify(planned.problems));
  return planned.plan;
}
const apply = async (text: string) =>
  applyText(t.db, ring, enqueue, actor, text, { hash: (await plan(text)).hash, confirmDestructive: true });
/** The teardown runs queued since the last reset, as `recipe app@server`. */
async function teardowns() {
  const out: string[] = [];
  for (const p of queued) {
    if (p.kind !== 'teardown') continue;
    const run = (await findRun(t.db, p.runId))!;
    const app = await findApp(t.db, run.appId!);
    const server = (await t.db.query.servers.findFirst({ where: (s, { eq }) => eq(s.id, run.serverId) }))!;
    out.push(`${run.recipe} ${app?.slug}@${server.name}`);
  }
  return out.sort();
}
/** Cuts one top-level list entry (`  - name: x` / `  - slug: x`) and its indented lines out of the YAML. */
const without = (text: string, line: string) => text.replace(new RegExp(`  - ${line}\\n(?: {4}.*\\n)+`), '');

/** shop's placement on web-2 cut from its `servers:` list. */
const takeShopOffWeb2 = (text: string) =>
  text.replace(
    /( {2}- slug: shop\n(?:(?! {2}- ).*\n)*? {4}servers:\n)( {6}- server: web-1\n(?: {8}.*\n)+)( {6}- server: web-2\n(?: {8}.*\n)+)/,
    '$1$2',
  );

describe('definitions: removing apps and servers', () => {
  it('refuses to remove a server that apps still use, naming them, even when the same file drops them (their teardown comes after)', async () => {
    const text = without(without(takeShopOffWeb2(await exported()), 'slug: api'), 'name: web-2');
    const change = (await plan(text)).changes.find((c) => c.kind === 'server')!;
    expect(change).toMatchObject({ action: 'delete', refused: expect.stringMatching(/^Used by api, shop: take those apps off it first/) });
    await expect(apply(text)).rejects.toThrow(/server web-2: Used by api, shop/);
    expect(queued).toEqual([]);
  });

  it('taking an app off a server queues the teardown there only, and nothing configures it there again', async () => {
    const text = takeShopOffWeb2(await exported());
    const change = (await plan(text)).changes.find((c) => c.kind === 'app' && c.key === 'shop')!;
    expect(change.refused).toBeNull();
    expect(change.destructive).toMatch(/takes the app off web-2/);
    queued.length = 0;
    await apply(text);
    expect(await teardowns()).toEqual(['teardown shop@web-2']);
    const shop = (await findAppBySlug(t.db, 'shop'))!;
    expect((await placementsOfApp(t.db, shop.id)).map((p) => p.server.name)).toEqual(['web-1']);
    expect(shop.deletingAt).toBeNull();
    expect((await plan(await exported())).changes).toEqual([]);
  });

  it('removing an app runs the UI delete: marked deleting, one teardown per server, gone from the export', async () => {
    const text = without(await exported(), 'slug: docs');
    const change = (await plan(text)).changes.find((c) => c.kind === 'app')!;
    expect(change).toMatchObject({
      key: 'docs',
      action: 'delete',
      refused: null,
      destructive: expect.stringMatching(/deletes the app from web-1/),
    });
    queued.length = 0;
    await apply(text);
    expect(await teardowns()).toEqual(['teardown docs@web-1']);
    const docs = (await findAppBySlug(t.db, 'docs'))!;
    expect(docs.deletingAt).toBeInstanceOf(Date);
    expect(docs.deleteData).toBe(false);
    expect(await exported()).not.toMatch(/slug: docs/);
  });

  it('removes a server no app uses', async () => {
    await t.db.execute(sql`insert into servers (id, name, host, username) values (gen_random_uuid(), 'spare', '10.0.0.9', 'root')`);
    const text = without(await exported(), 'name: spare');
    expect((await plan(text)).changes).toEqual([
      expect.objectContaining({ kind: 'server', key: 'spare', action: 'delete', refused: null }),
    ]);
    await apply(text);
    expect(await findServerByName(t.db, 'spare')).toBeUndefined();
  });
});

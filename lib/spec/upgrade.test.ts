import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClient, drizzleFor, migrateClient, openClient, type DbClient } from '@/db/client';
import { insertUser } from '@/db/queries/users';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { seedEveryKind } from '@/test-support/fleet-seed';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { applyText, planText } from './definitions';
import { exportFleet } from './export';
import { definitionText } from './compact';

/** The last migration before definitions existed: the seed is written for that schema. */
const BEFORE = '0011_monitoring_time_indexes';
const ring = parseKeyRing(generateKeyText(1));
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const done of cleanup.reverse()) await done();
});

/** drizzle/ cut after `tag`: the migrations a database of that age had run. */
function migrationsUpTo(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-migrations-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  if (last < 0) throw new Error(`no migration ${tag}`);
  const entries = journal.entries.slice(0, last + 1);
  fs.mkdirSync(path.join(dir, 'meta'));
  fs.writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const e of entries) fs.copyFileSync(`drizzle/${e.tag}.sql`, path.join(dir, `${e.tag}.sql`));
  return dir;
}

describe('upgrading a panel from before definitions', () => {
  it('seeded at the old schema, upgraded, exported, imported into an empty panel and exported again: the same bytes', async () => {
    const client: DbClient = await openClient({});
    cleanup.push(() => closeClient(client));
    await migrateClient(client, migrationsUpTo(BEFORE));
    const old = drizzleFor(client);
    await seedEveryKind(old, ring);
    await migrateClient(client); // the upgrade: every migration since
    const first = definitionText(await exportFleet(old, ring));
    expect(first).toMatch(/kind: php[\s\S]*kind: process|kind: process[\s\S]*kind: php/);
    expect(first).toContain('kind: static');
    expect(first).toContain('kind: heartbeat');
    expect(first).toContain('kind: telegram');

    const empty: TestDb = await createTestDb();
    cleanup.push(() => empty.close());
    const actor = await insertUser(empty.db, { email: 'ops@example.test', name: 'Ops', role: 'admin', passwordHash: 'x' });
    const planned = await planText(empty.db, ring, first);
    if (!planned.ok) throw new Error(JSON.stringify(planned.problems));
    await applyText(empty.db, ring, async () => 'job', actor, first, { hash: planned.plan.hash, confirmDestructive: false });
    expect(definitionText(await exportFleet(empty.db, ring))).toBe(first);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findEnvRevision, listEnvRevisions } from '@/db/queries/env-revisions';
import { insertMissingEnvValues, listEnvKeys } from '@/db/queries/env-values';
import { insertUser } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, open, parseKeyRing } from '@/lib/crypto';
import { currentEnv, diffEnv, EnvConflictError, openEnvRevision, recordManagedEnvRevision, saveEnv } from './store';
import { envRevisionAad } from '@/db/sealed-aad';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let userId: number;
const newApp = async (slug: string) =>
  (await insertApp(t.db, { slug, name: slug, config: appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`] }) }, [])).id;

beforeAll(async () => {
  t = await createTestDb();
  userId = (await insertUser(t.db, { email: 'env@berth.test', name: 'Env Editor', role: 'deployer', passwordHash: 'x' })).id;
});
afterAll(async () => t.close());

describe('diffEnv', () => {
  it('names added, changed and removed keys, sorted, and nothing for equal values', () => {
    expect(diffEnv({ A: '1', B: '2', C: '3' }, { B: '2', C: 'x', D: '4' })).toEqual([
      { key: 'A', kind: 'removed' },
      { key: 'C', kind: 'changed' },
      { key: 'D', kind: 'added' },
    ]);
    expect(diffEnv({ A: '' }, { A: '' })).toEqual([]);
  });
});

describe('saveEnv', () => {
  it('writes the values and a numbered, sealed revision listing keys only', async () => {
    const appId = await newApp('envsave');
    const one = await saveEnv(
      t.db,
      ring,
      appId,
      { APP_KEY: 'base64:s3cret', MULTI: 'a\nb "c" $d' },
      { source: 'edit', createdBy: userId, baseRevision: 0 },
    );
    expect(one).toEqual({
      revision: 1,
      changes: [
        { key: 'APP_KEY', kind: 'added' },
        { key: 'MULTI', kind: 'added' },
      ],
    });
    const two = await saveEnv(
      t.db,
      ring,
      appId,
      { APP_KEY: 'base64:other', MULTI: 'a\nb "c" $d', NEW: '' },
      { source: 'edit', createdBy: userId, baseRevision: 1 },
    );
    expect(two.changes).toEqual([
      { key: 'APP_KEY', kind: 'changed' },
      { key: 'NEW', kind: 'added' },
    ]);

    expect((await currentEnv(t.db, ring, appId)).values).toEqual({ APP_KEY: 'base64:other', MULTI: 'a\nb "c" $d', NEW: '' });
    expect((await openEnvRevision(t.db, ring, appId, 1)).values).toEqual({ APP_KEY: 'base64:s3cret', MULTI: 'a\nb "c" $d' });
    const row = (await findEnvRevision(t.db, appId, 2))!;
    expect(row.sealedSnapshot).not.toContain('other');
    expect(JSON.stringify(row.changes)).not.toContain('other');
    // Bound to its row: the snapshot does not open as another revision.
    expect(() => open(ring, row.sealedSnapshot, envRevisionAad(appId, 1))).toThrow();
    const listed = await listEnvRevisions(t.db, appId);
    expect(listed.map((r) => [r.number, r.createdByName])).toEqual([
      [2, 'Env Editor'],
      [1, 'Env Editor'],
    ]);
  });

  it('makes no revision when nothing changed, and refuses a save on top of a newer revision', async () => {
    const appId = await newApp('envconflict');
    await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId, baseRevision: 0 });
    expect(await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId, baseRevision: 1 })).toEqual({
      revision: 1,
      changes: [],
    });
    await expect(saveEnv(t.db, ring, appId, { A: '2' }, { source: 'edit', createdBy: userId, baseRevision: 0 })).rejects.toThrow(
      EnvConflictError,
    );
    expect((await currentEnv(t.db, ring, appId)).values).toEqual({ A: '1' });
  });

  it('restores an old revision as a new one, keeping history', async () => {
    const appId = await newApp('envrestore');
    await saveEnv(t.db, ring, appId, { GREETING: 'hello' }, { source: 'edit', createdBy: userId });
    await saveEnv(t.db, ring, appId, { GREETING: 'bye', EXTRA: 'x' }, { source: 'edit', createdBy: userId });
    const old = await openEnvRevision(t.db, ring, appId, 1);
    const restored = await saveEnv(t.db, ring, appId, old.values, {
      source: 'restore',
      restoredFrom: 1,
      createdBy: userId,
      baseRevision: 2,
    });
    expect(restored).toEqual({
      revision: 3,
      changes: [
        { key: 'EXTRA', kind: 'removed' },
        { key: 'GREETING', kind: 'changed' },
      ],
    });
    expect((await currentEnv(t.db, ring, appId)).values).toEqual({ GREETING: 'hello' });
    expect((await listEnvRevisions(t.db, appId))[0]).toMatchObject({ number: 3, source: 'restore', restoredFrom: 1 });
  });

  it('keeps managed keys marked managed when edited, and records what Berth generated as a revision', async () => {
    const appId = await newApp('envmanaged');
    await insertMissingEnvValues(t.db, ring, appId, { DB_PASSWORD: 'generated' }, true);
    expect(await recordManagedEnvRevision(t.db, ring, appId)).toEqual({ revision: 1, changes: [{ key: 'DB_PASSWORD', kind: 'added' }] });
    expect((await recordManagedEnvRevision(t.db, ring, appId)).changes).toEqual([]);
    await saveEnv(t.db, ring, appId, { DB_PASSWORD: 'by-hand', OWN: 'mine' }, { source: 'edit', createdBy: userId, baseRevision: 1 });
    expect(await listEnvKeys(t.db, appId)).toMatchObject([
      { key: 'DB_PASSWORD', managed: true },
      { key: 'OWN', managed: false },
    ]);
    expect((await openEnvRevision(t.db, ring, appId, 2)).managed).toEqual(['DB_PASSWORD']);
    expect((await listEnvRevisions(t.db, appId)).map((r) => r.source)).toEqual(['edit', 'managed']);
  });

  it('serializes concurrent saves: both land as consecutive revisions, none lost', async () => {
    const appId = await newApp('envrace');
    const results = await Promise.all(
      [1, 2, 3].map((n) => saveEnv(t.db, ring, appId, { [`K${n}`]: String(n) }, { source: 'edit', createdBy: userId })),
    );
    expect(results.map((r) => r.revision).sort()).toEqual([1, 2, 3]);
  });
});

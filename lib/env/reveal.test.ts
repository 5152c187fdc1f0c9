import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { insertUser } from '@/db/queries/users';
import { ActionError } from '@/lib/auth/action-core';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { ownEnvValue, revealEnvValue } from './reveal';
import { saveEnv } from './store';

const ring = parseKeyRing(generateKeyText(1));
// Names every plain object answers to through its prototype, none of them a key the app has.
const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
let t: TestDb;
let appId: string;

beforeAll(async () => {
  t = await createTestDb();
  const userId = (await insertUser(t.db, { email: 'reveal@berth.test', name: 'Rev', role: 'deployer', passwordHash: 'x' })).id;
  appId = (
    await insertApp(
      t.db,
      { slug: 'reveal', name: 'reveal', config: appConfigInput.parse({ slug: 'reveal', kind: 'php', domains: ['reveal.test'] }) },
      [],
    )
  ).id;
  await saveEnv(t.db, ring, appId, { APP_KEY: 'one', EMPTY: '' }, { source: 'edit', createdBy: userId, baseRevision: 0 });
  await saveEnv(t.db, ring, appId, { APP_KEY: 'two', EMPTY: '' }, { source: 'edit', createdBy: userId, baseRevision: 1 });
});
afterAll(async () => t.close());

async function refusal(key: string, revision?: number): Promise<ActionError> {
  const err = await revealEnvValue(t.db, ring, appId, key, revision).then(
    (value) => new Error(`revealed ${typeof value} ${String(value)}`),
    (e: unknown) => e,
  );
  if (!(err instanceof ActionError)) throw err;
  return err;
}

describe('reveal: keys are own properties only', () => {
  it('reveals a stored key, an empty value included, now and at a revision', async () => {
    expect(await revealEnvValue(t.db, ring, appId, 'APP_KEY')).toBe('two');
    expect(await revealEnvValue(t.db, ring, appId, 'APP_KEY', 1)).toBe('one');
    expect(await revealEnvValue(t.db, ring, appId, 'EMPTY')).toBe('');
  });

  for (const key of INHERITED) {
    it(`${key} is "no such key", now and at a revision`, async () => {
      const now = await refusal(key);
      expect([now.code, now.message]).toEqual(['not_found', `No such key: ${key}.`]);
      const then = await refusal(key, 1);
      expect([then.code, then.message]).toEqual(['not_found', `No such key in revision #1: ${key}.`]);
    });
  }

  it('a key the app does not have is "no such key" too', async () => {
    expect((await refusal('MISSING')).code).toBe('not_found');
  });

  it('ownEnvValue finds a key even when it shadows a prototype name', () => {
    const parsed = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    expect([ownEnvValue(parsed, '__proto__'), ownEnvValue(parsed, 'constructor'), ownEnvValue(parsed, 'toString')]).toEqual([
      'p',
      'c',
      undefined,
    ]);
  });
});

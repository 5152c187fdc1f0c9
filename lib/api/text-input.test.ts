import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSetting, putSetting } from '@/db/queries/settings';
import { insertUser } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { makeAuthedAction } from '@/lib/auth/action-core';
import { createApiToken } from '@/lib/auth/api-tokens';
import { appFormInput } from '@/lib/apps/form-input';
import { NO_CONTROLS, ONE_LINE } from '@/lib/model/text';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { makeEndpoint } from './endpoint';
import { deployOp } from './ops/releases';

/**
 * Issue 19: text the database cannot store (NUL) or should not hold (control characters, huge
 * values) comes back as a field error from the one wrapper that every server action and API
 * operation goes through, and the operation never runs. Before, a NUL reached Postgres, which
 * refused it, and the user saw "Something went wrong" (500 from the API).
 */
let t: TestDb;
let admin: User;
const logged: unknown[] = [];
beforeAll(async () => {
  t = await createTestDb();
  admin = await insertUser(t.db, { email: 'admin@example.test', name: 'Ada', role: 'admin', passwordHash: 'x' });
});
afterAll(async () => t.close());

describe('a server action form', () => {
  const authedAction = makeAuthedAction({
    db: () => t.db,
    currentUser: async () => admin,
    clientIp: async () => '203.0.113.9',
    deny: () => {
      throw new Error('denied');
    },
    rethrowControlFlow: () => {},
    logError: (err) => logged.push(err),
  });
  // The create-app form's schema (app/(panel)/apps/actions.ts addApp), storing the name as the action would.
  const addApp = authedAction({ audit: 'app.create', role: 'admin', schema: appFormInput }, async (input, ctx) => {
    await putSetting(ctx.db, 'created-app', input.name);
    return null;
  });
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [k, v] of Object.entries({ name: 'Shop', slug: 'shop', kind: 'php', domains: 'shop.test', ...fields })) data.append(k, v);
    return data;
  };

  it.each([
    ['NUL', 'name', 'Sh\u0000op', ONE_LINE],
    ['ESC', 'name', 'Sh\u001b[2Jop', ONE_LINE],
    ['BEL', 'webRoot', 'public\u0007', NO_CONTROLS],
    ['oversize', 'webRoot', 'w'.repeat(1000), 'At most 200 characters'],
    ['a huge value', 'webRoot', 'w'.repeat(100_000), 'At most 20000 characters'],
  ])('%s in %s shows as a field error, and nothing runs', async (_what, field, value, message) => {
    logged.length = 0;
    const result = await addApp(null, form({ [field]: value }));
    expect(result).toMatchObject({ ok: false, code: 'invalid_input', fieldErrors: { [field]: expect.arrayContaining([message]) } });
    expect(logged).toEqual([]);
    expect(await getSetting(t.db, 'created-app')).toBeUndefined();
  });
});

describe('an API operation', () => {
  const endpoint = makeEndpoint({ db: () => t.db, logError: (err) => logged.push(err) });
  const deploy = async (body: Record<string, unknown>) => {
    const { text } = await createApiToken(t.db, admin, { name: `t-${Math.random()}`, role: 'admin', expiresIn: 'never' });
    const request = new Request('http://panel.test/api/v1/apps/x/deploy', {
      method: 'POST',
      headers: { authorization: `Bearer ${text}` },
      body: JSON.stringify(body),
    });
    const response = await endpoint(deployOp)(request, { params: Promise.resolve({}) });
    return { status: response.status, body: await response.json() };
  };

  it.each([
    ['NUL in the app', { app: 'shop\u0000' }, 'app'],
    ['ESC in the ref', { app: 'shop', ref: 'main\u001b' }, 'ref'],
    ['an oversize app', { app: 's'.repeat(100_000) }, 'app'],
  ])('%s: 422 with the field, not 500', async (_what, body, field) => {
    logged.length = 0;
    const r = await deploy(body);
    expect(r).toMatchObject({ status: 422, body: { error: { code: 'invalid_input', fieldErrors: { [field]: [expect.any(String)] } } } });
    expect(logged).toEqual([]);
  });
});

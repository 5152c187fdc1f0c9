import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listAuditEvents } from '@/db/queries/audit';
import { getSetting, putSetting } from '@/db/queries/settings';
import { insertUser } from '@/db/queries/users';
import { ROLES, type Role } from '@/lib/model/roles';
import type { User } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { ActionError, makeAuthedAction } from './action-core';

class Denied extends Error {
  constructor(readonly status: 401 | 403) {
    super(`denied ${status}`);
  }
}

let t: TestDb;
const users = new Map<Role, User>();
let sessionUser: User | null = null;
const logged: unknown[] = [];

const authedAction = makeAuthedAction({
  db: () => t.db,
  currentUser: async () => sessionUser,
  clientIp: async () => '203.0.113.9',
  deny: (status) => {
    throw new Denied(status);
  },
  rethrowControlFlow: () => {},
  logError: (err) => logged.push(err),
});

// One action per kind: each writes a settings row, which is "the change" a denial must not make.
const actionFor = (role: Role) =>
  authedAction({ audit: `test.${role}`, role, schema: z.object({ value: z.string().min(1, 'Value is required') }) }, async (input, ctx) => {
    await putSetting(ctx.db, `changed-by-${role}-action`, input.value);
    ctx.setTarget(`thing:${role}`);
    return { wrote: input.value };
  });

beforeAll(async () => {
  t = await createTestDb();
  for (const role of ROLES) {
    users.set(role, await insertUser(t.db, { email: `${role}@example.test`, name: role, role, passwordHash: 'x' }));
  }
});
afterAll(async () => t.close());
beforeEach(() => {
  logged.length = 0;
});

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2, owner: 3 };

describe('authedAction: every role against every action kind', () => {
  for (const required of ROLES) {
    for (const actual of ROLES) {
      const allowed = RANK[actual] >= RANK[required];
      it(`${actual} calling a ${required} action is ${allowed ? 'allowed' : 'denied with 403'}`, async () => {
        sessionUser = users.get(actual)!;
        const key = `changed-by-${required}-action`;
        const value = `${actual}-${Date.now()}`;
        const call = actionFor(required)(null, { value });
        if (allowed) {
          await expect(call).resolves.toEqual({ ok: true, data: { wrote: value } });
          expect(await getSetting(t.db, key)).toBe(value);
        } else {
          const before = await getSetting(t.db, key);
          await expect(call).rejects.toMatchObject({ status: 403 });
          expect(await getSetting(t.db, key)).toBe(before);
        }
        const [last] = await listAuditEvents(t.db, { limit: 1 });
        expect(last).toMatchObject({
          action: `test.${required}`,
          actorId: sessionUser.id,
          outcome: allowed ? 'success' : 'denied',
          ip: '203.0.113.9',
          target: allowed ? `thing:${required}` : null,
        });
        if (!allowed) expect(last!.reason).toBe(`requires ${required}, has ${actual}`);
      });
    }
  }
});

describe('authedAction: sessions, input and failures', () => {
  it('refuses a caller without a session with 401, audits it, and changes nothing', async () => {
    sessionUser = null;
    await expect(actionFor('viewer')(null, { value: 'anon' })).rejects.toMatchObject({ status: 401 });
    expect(await getSetting(t.db, 'changed-by-viewer-action')).not.toBe('anon');
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'test.viewer', actorId: null, outcome: 'denied', reason: 'not signed in' });
  });

  it('returns every field error, not only the first, and runs nothing', async () => {
    sessionUser = users.get('owner')!;
    const action = authedAction(
      {
        audit: 'test.form',
        role: 'viewer',
        schema: z.object({ a: z.string().min(2, 'a too short'), b: z.email('b not an email'), c: z.coerce.number().int('c not whole') }),
      },
      async () => {
        throw new Error('must not run');
      },
    );
    const form = new FormData();
    form.set('a', 'x');
    form.set('b', 'nope');
    form.set('c', '1.5');
    const result = await action(null, form);
    expect(result).toEqual({
      ok: false,
      error: 'Please correct the highlighted fields.',
      code: 'invalid_input',
      fieldErrors: { a: ['a too short'], b: ['b not an email'], c: ['c not whole'] },
    });
    expect(logged).toEqual([]);
  });

  it('reads FormData, coercing and keeping repeated fields', async () => {
    sessionUser = users.get('viewer')!;
    const action = authedAction(
      { audit: 'test.formdata', role: 'viewer', schema: z.object({ n: z.coerce.number(), tag: z.array(z.string()) }) },
      async (input) => input,
    );
    const form = new FormData();
    form.set('n', '42');
    form.append('tag', 'a');
    form.append('tag', 'b');
    form.set('$ACTION_ID_abc', '');
    expect(await action(null, form)).toEqual({ ok: true, data: { n: 42, tag: ['a', 'b'] } });
  });

  it('passes an ActionError message and field errors to the form, and audits a failure', async () => {
    sessionUser = users.get('admin')!;
    const action = authedAction({ audit: 'test.domain', role: 'viewer', schema: z.unknown() }, async (_i, ctx) => {
      ctx.setTarget('thing:1');
      throw new ActionError('That name is taken.', { name: ['Already in use'] });
    });
    expect(await action(null, {})).toEqual({
      ok: false,
      error: 'That name is taken.',
      code: 'rejected',
      fieldErrors: { name: ['Already in use'] },
    });
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'test.domain', outcome: 'failure', reason: 'That name is taken.', target: 'thing:1' });
  });

  it('hides unexpected errors from the caller but logs them', async () => {
    sessionUser = users.get('admin')!;
    const boom = new Error('connection reset by peer at 10.0.0.5');
    const action = authedAction({ audit: 'test.crash', role: 'viewer', schema: z.unknown() }, async () => {
      throw boom;
    });
    const result = await action(null, {});
    expect(result).toEqual({ ok: false, error: 'Something went wrong; the error was logged.', code: 'internal' });
    expect(logged).toEqual([boom]);
    const [last] = await listAuditEvents(t.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'test.crash', outcome: 'failure', reason: 'internal error' });
  });

  it('lets framework control flow (redirects) through untouched', async () => {
    sessionUser = users.get('viewer')!;
    const redirect = Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;replace;/x;307;' });
    const passthrough = makeAuthedAction({
      db: () => t.db,
      currentUser: async () => sessionUser,
      clientIp: async () => null,
      deny: (s) => {
        throw new Denied(s);
      },
      rethrowControlFlow: (err) => {
        if ((err as { digest?: string }).digest?.startsWith('NEXT_REDIRECT')) throw err;
      },
      logError: () => {},
    });
    const action = passthrough({ audit: 'test.redirect', role: 'viewer', schema: z.unknown() }, async () => {
      throw redirect;
    });
    await expect(action(null, {})).rejects.toBe(redirect);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findApiToken, revokeApiToken } from '@/db/queries/api-tokens';
import { listAuditEvents } from '@/db/queries/audit';
import { getSetting, putSetting } from '@/db/queries/settings';
import { insertUser, setUserDisabled, updateUserRole } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { createApiToken } from '@/lib/auth/api-tokens';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { apiOperation, makeEndpoint } from './endpoint';
import { applyOp } from './ops/definitions';

let t: TestDb;
const logged: unknown[] = [];
const endpoint = makeEndpoint({ db: () => t.db, logError: (err) => logged.push(err) });
const issued: string[] = []; // every token text made here: none may show up in a response or the audit trail
const responses: string[] = [];

// The change a denial must not make: one settings row.
const writeOp = apiOperation({
  audit: 'test.write',
  role: 'deployer',
  status: 202,
  schema: z.object({ key: z.string().min(1), value: z.string().min(1, 'Value is required') }),
  run: async (input, ctx) => {
    await putSetting(ctx.db, input.key, input.value);
    ctx.setTarget(`setting:${input.key}`);
    return { wrote: input.value };
  },
});

let deployer: User;
let viewer: User;
let admin: User;
beforeAll(async () => {
  t = await createTestDb();
  deployer = await insertUser(t.db, { email: 'deployer@example.test', name: 'Dee', role: 'deployer', passwordHash: 'x' });
  viewer = await insertUser(t.db, { email: 'viewer@example.test', name: 'Vee', role: 'viewer', passwordHash: 'x' });
  admin = await insertUser(t.db, { email: 'admin@example.test', name: 'Ada', role: 'admin', passwordHash: 'x' });
});
afterAll(async () => t.close());

async function tokenFor(user: User, role = user.role, expiresIn: '30' | 'never' = 'never', now = new Date()) {
  const made = await createApiToken(t.db, user, { name: `${user.name}-${issued.length}`, role, expiresIn }, now);
  issued.push(made.text);
  return made;
}

async function call(op: Parameters<typeof endpoint>[0], opts: { auth?: string; body?: string; params?: Record<string, string> }) {
  const headers: Record<string, string> = { 'x-berth-client-ip': '203.0.113.7' };
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  const request = new Request('http://panel.test/api/v1/thing', { method: 'POST', headers, body: opts.body });
  const response = await endpoint(op)(request, { params: Promise.resolve(opts.params ?? {}) });
  const text = await response.text();
  responses.push(text);
  return { status: response.status, body: JSON.parse(text), headers: response.headers };
}

const lastAudit = async () => (await listAuditEvents(t.db, { limit: 1 }))[0]!;

describe('API tokens at the edge', () => {
  it('runs the operation for a token with the role: 202, the data, an audit row naming the token, the last use recorded', async () => {
    const { token, text } = await tokenFor(deployer);
    const r = await call(writeOp, { auth: `Bearer ${text}`, body: JSON.stringify({ key: 'k1', value: 'v1' }) });
    expect(r).toMatchObject({ status: 202, body: { data: { wrote: 'v1' } } });
    expect(await getSetting(t.db, 'k1')).toBe('v1');
    expect(await lastAudit()).toMatchObject({
      action: 'test.write',
      outcome: 'success',
      actorEmail: 'deployer@example.test',
      target: 'setting:k1',
      ip: '203.0.113.7',
      details: { via: 'api', token: token.id },
    });
    const used = await findApiToken(t.db, token.id);
    expect(used?.lastUsedAt).toBeInstanceOf(Date);
    expect(used?.lastUsedIp).toBe('203.0.113.7');
  });

  const refused: [string, () => Promise<string | undefined>, string][] = [
    ['no header', async () => undefined, 'no token'],
    ['a malformed token', async () => 'Bearer not-a-berth-token', 'malformed token'],
    ['a token that was never issued', async () => `Bearer berth_${'A'.repeat(43)}`, 'unknown token'],
    [
      'a revoked token',
      async () => {
        const { token, text } = await tokenFor(deployer);
        await revokeApiToken(t.db, token.id, deployer.id);
        return `Bearer ${text}`;
      },
      'token revoked',
    ],
    [
      'an expired token',
      async () => `Bearer ${(await tokenFor(deployer, 'deployer', '30', new Date(Date.now() - 31 * 86_400_000))).text}`,
      'token expired',
    ],
    [
      'the token of a disabled user',
      async () => {
        const user = await insertUser(t.db, { email: 'gone@example.test', name: 'Gone', role: 'admin', passwordHash: 'x' });
        const { text } = await tokenFor(user);
        await setUserDisabled(t.db, user.id, true);
        return `Bearer ${text}`;
      },
      'token owner disabled',
    ],
  ];
  for (const [what, header, reason] of refused) {
    it(`answers ${what} with 401, audits the denial, and changes nothing`, async () => {
      const key = `refused-${reason}`;
      const r = await call(writeOp, { auth: await header(), body: JSON.stringify({ key, value: 'x' }) });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await getSetting(t.db, key)).toBeUndefined();
      expect(await lastAudit()).toMatchObject({ action: 'test.write', outcome: 'denied', reason, ip: '203.0.113.7' });
    });
  }

  it('gives a viewer token applying a definition 403, audited, before anything is read', async () => {
    const { text } = await tokenFor(viewer);
    const r = await call(applyOp, { auth: `Bearer ${text}`, body: JSON.stringify({ text: 'apiVersion: berth/v1\n' }) });
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await lastAudit()).toMatchObject({
      action: 'definition.apply',
      outcome: 'denied',
      actorEmail: 'viewer@example.test',
      reason: 'requires admin, has viewer',
    });
  });

  it('acts with the lower of the token’s role and its owner’s role today', async () => {
    const user = await insertUser(t.db, { email: 'demoted@example.test', name: 'Demoted', role: 'admin', passwordHash: 'x' });
    const { text } = await tokenFor(user, 'admin');
    await updateUserRole(t.db, user.id, 'viewer');
    const r = await call(writeOp, { auth: `Bearer ${text}`, body: JSON.stringify({ key: 'k-demoted', value: 'x' }) });
    expect(r.status).toBe(403);
    expect(await getSetting(t.db, 'k-demoted')).toBeUndefined();
  });

  it('answers with the JSON error shape when something below fails outright, and logs it', async () => {
    const auth = `Bearer ${(await tokenFor(deployer)).text}`;
    const boom = apiOperation({
      audit: 'test.boom',
      role: 'viewer',
      schema: z.object({}),
      run: async () => {
        throw new Error('database went away');
      },
    });
    const r = await call(boom, { auth, body: '{}' });
    expect(r).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(JSON.stringify(r.body)).not.toContain('database went away');
    expect(logged.at(-1)).toMatchObject({ message: 'database went away' });
  });

  it('never issues a token above its owner’s role', async () => {
    await expect(createApiToken(t.db, deployer, { name: 'too high', role: 'admin', expiresIn: 'never' })).rejects.toThrow(
      /at most your own/,
    );
    const ok = await tokenFor(admin, 'viewer');
    expect(ok.token.role).toBe('viewer');
  });

  it('answers bad bodies with a stable code: not JSON 400, not an object 400, invalid fields 422 with every field error', async () => {
    const auth = `Bearer ${(await tokenFor(deployer)).text}`;
    expect((await call(writeOp, { auth, body: '{"key":' })).body.error.code).toBe('invalid_json');
    expect(await lastAudit()).toMatchObject({
      action: 'test.write',
      outcome: 'failure',
      reason: 'invalid_json',
      actorEmail: 'deployer@example.test',
    });
    expect((await call(writeOp, { auth, body: '[1,2]' })).status).toBe(400);
    const invalid = await call(writeOp, { auth, body: JSON.stringify({ key: '', value: '' }) });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error).toMatchObject({
      code: 'invalid_input',
      fieldErrors: { key: expect.any(Array), value: ['Value is required'] },
    });
    const huge = await call(writeOp, { auth, body: JSON.stringify({ key: 'big', value: 'x'.repeat(3 * 1024 * 1024) }) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
    expect(await getSetting(t.db, 'big')).toBeUndefined();
  });

  it('lets path parameters win over the body (a body cannot retarget the call)', async () => {
    const auth = `Bearer ${(await tokenFor(deployer)).text}`;
    await call(writeOp, { auth, body: JSON.stringify({ key: 'from-body', value: 'v' }), params: { key: 'from-path' } });
    expect(await getSetting(t.db, 'from-path')).toBe('v');
    expect(await getSetting(t.db, 'from-body')).toBeUndefined();
  });

  it('never shows a token again: not in a response, not in the audit trail', async () => {
    const trail = JSON.stringify(await listAuditEvents(t.db, { limit: 200 }));
    for (const text of issued) {
      expect(trail).not.toContain(text);
      expect(trail).not.toContain(text.slice(6)); // the random part alone either
      for (const body of responses) expect(body).not.toContain(text);
      expect(JSON.stringify(logged.map(String))).not.toContain(text);
    }
    expect(issued.length).toBeGreaterThan(8);
  });
});

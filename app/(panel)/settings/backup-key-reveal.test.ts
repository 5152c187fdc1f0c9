import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { insertUser } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { ActionError, makeAuthedAction } from '@/lib/auth/action-core';
import { saveTarget } from '@/lib/backups/targets';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { ROLES, type Role } from '@/lib/model/roles';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { makeRevealTargetKey } from './backup-key-reveal';

class Denied extends Error {
  constructor(readonly status: 401 | 403) {
    super(`denied ${status}`);
  }
}

const ring = parseKeyRing(generateKeyText(1));
const REPO_KEY = 'kept-apart-repository-password-0123456789';
let t: TestDb;
let targetId: string;
const users = new Map<Role, User>();
let sessionUser: User | null = null;
/** The session's last password proof, as lib/auth/recent-login.ts reads it from the session. */
let signedInMinutesAgo = 0;

const authedAction = makeAuthedAction({
  db: () => t.db,
  currentUser: async () => sessionUser,
  clientIp: async () => '203.0.113.9',
  deny: (status) => {
    throw new Denied(status);
  },
  rethrowControlFlow: () => {},
  logError: () => {},
});
const reveal = makeRevealTargetKey(authedAction, {
  ring: () => ring,
  requireRecentLogin: async () => {
    if (signedInMinutesAgo > 10)
      throw new ActionError('Revealing values needs a sign-in within the last 10 minutes: confirm your password first.');
  },
});
const lastAudit = async () => (await listAuditEvents(t.db, { limit: 1 }))[0]!;

beforeAll(async () => {
  t = await createTestDb();
  for (const role of ROLES) users.set(role, await insertUser(t.db, { email: `${role}@example.test`, name: role, role, passwordHash: 'x' }));
  const { target } = await saveTarget(t.db, ring, {
    name: 'offsite',
    settings: { kind: 'local', path: '/srv/backups' },
    repoKey: REPO_KEY,
  });
  targetId = target.id;
});
afterAll(async () => t.close());

describe('Reveal repository key', () => {
  for (const role of ['viewer', 'deployer'] as const) {
    it(`is refused to a ${role} (403, audited as denied), however recent the sign-in`, async () => {
      sessionUser = users.get(role)!;
      signedInMinutesAgo = 0;
      await expect(reveal(null, { targetId })).rejects.toMatchObject({ status: 403 });
      expect(await lastAudit()).toMatchObject({
        action: 'backup.target.reveal-key',
        outcome: 'denied',
        reason: `requires admin, has ${role}`,
      });
    });
  }

  it('is refused to nobody signed in (401)', async () => {
    sessionUser = null;
    await expect(reveal(null, { targetId })).rejects.toMatchObject({ status: 401 });
  });

  it('asks an admin whose sign-in is older than 10 minutes to confirm the password, and shows nothing', async () => {
    sessionUser = users.get('admin')!;
    signedInMinutesAgo = 11;
    const result = await reveal(null, { targetId });
    expect(result).toEqual({ ok: false, code: 'rejected', error: expect.stringMatching(/sign-in within the last 10 minutes/) });
    expect(JSON.stringify(result)).not.toContain(REPO_KEY);
    expect(await lastAudit()).toMatchObject({
      outcome: 'failure',
      target: `backup-target:${targetId}`,
      reason: expect.stringMatching(/sign-in/),
    });
  });

  it('gives an admin (or owner) who signed in recently the key, audited without it', async () => {
    for (const role of ['admin', 'owner'] as const) {
      sessionUser = users.get(role)!;
      signedInMinutesAgo = 2;
      expect(await reveal(null, { targetId })).toEqual({ ok: true, data: { name: 'offsite', repoKey: REPO_KEY } });
      const audit = await lastAudit();
      expect(audit).toMatchObject({
        action: 'backup.target.reveal-key',
        actorId: sessionUser.id,
        outcome: 'success',
        details: { name: 'offsite' },
      });
      expect(JSON.stringify(audit)).not.toContain(REPO_KEY);
    }
  });

  it('names an unknown target', async () => {
    sessionUser = users.get('admin')!;
    signedInMinutesAgo = 0;
    expect(await reveal(null, { targetId: crypto.randomUUID() })).toMatchObject({
      ok: false,
      error: 'That backup target no longer exists.',
    });
    expect(await reveal(null, { targetId: 'nope' })).toMatchObject({ ok: false, code: 'invalid_input' });
  });
});

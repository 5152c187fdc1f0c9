import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { insertRelease } from '@/db/queries/releases';
import { insertUser, setUserDisabled, updateUserPassword } from '@/db/queries/users';
import { apps, type Release, type User } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { endSession, startSession } from '@/lib/auth/session-store';
import { authorizeWatch, sessionStillValid } from './watch-access';

// The release log route's own check (app/api/releases/[id]/events), with the session injected.
let t: TestDb;
let release: Release;
let viewer: User;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const deps = (user: User | null) => ({ db: t.db, currentUser: async () => user, ip: '203.0.113.7' });

beforeAll(async () => {
  t = await createTestDb();
  const config = appConfigInput.parse({ slug: 'blog', kind: 'php', domains: ['blog.test'] });
  const [app] = await t.db.insert(apps).values({ slug: 'blog', name: 'Blog', config }).returning();
  release = await insertRelease(t.db, { appId: app!.id, kind: 'deploy', ref: 'main', trigger: 'button' });
  viewer = await insertUser(t.db, { email: 'viewer@example.test', name: 'Vera', role: 'viewer', passwordHash: 'x' });
});
afterAll(async () => t?.close());

describe('who may follow a release', () => {
  it('answers 401 to a signed-out request and audits the denial', async () => {
    const access = await authorizeWatch(deps(null), release.id);
    expect(!access.ok && access.response.status).toBe(401);
    const [audit] = await listAuditEvents(t.db, { action: 'release.watch', limit: 1 });
    expect(audit).toMatchObject({ outcome: 'denied', reason: 'not signed in', target: `release:${release.id}`, ip: '203.0.113.7' });
    // Signed out, an unknown release is a 401 as well: nothing about what exists leaks.
    const unknown = await authorizeWatch(deps(null), UNKNOWN);
    expect(!unknown.ok && unknown.response.status).toBe(401);
  });

  it('lets any signed-in role watch, viewers included; an unknown or malformed id is 404', async () => {
    const access = await authorizeWatch(deps(viewer), release.id);
    expect(access.ok && access.release.id).toBe(release.id);
    for (const id of [UNKNOWN, 'not-a-uuid']) {
      const denied = await authorizeWatch(deps(viewer), id);
      expect(!denied.ok && denied.response.status).toBe(404);
    }
  });

  it('treats a logout, a changed password or a disabled account as signed out during the stream', async () => {
    const claimsOf = async (u: User) => ({ uid: u.id, sv: u.sessionVersion, sid: await startSession(t.db, u.id, 60_000) });
    const kept = await claimsOf(viewer);
    const loggedOut = await claimsOf(viewer);
    expect(await sessionStillValid(t.db, kept)).toBe(true);
    await endSession(t.db, loggedOut.sid);
    expect(await sessionStillValid(t.db, loggedOut)).toBe(false);
    expect(await sessionStillValid(t.db, kept)).toBe(true); // only that session ended
    await updateUserPassword(t.db, viewer.id, 'y');
    expect(await sessionStillValid(t.db, kept)).toBe(false);
    const other = await insertUser(t.db, { email: 'deployer@example.test', name: 'Dee', role: 'deployer', passwordHash: 'x' });
    const otherClaims = await claimsOf(other);
    expect(await sessionStillValid(t.db, otherClaims)).toBe(true);
    await setUserDisabled(t.db, other.id, true);
    expect(await sessionStillValid(t.db, otherClaims)).toBe(false);
    expect(await sessionStillValid(t.db, null)).toBe(false);
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '@/lib/audit/record';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { apps, monitors, releases, servers, users } from '../schema';
import { auditTargetNames, listAuditEvents } from './audit';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  const base = new Date('2026-05-01T10:00:00Z').getTime();
  const rows = [
    { actorEmail: 'ann@example.test', action: 'user.create', target: 'user:2', outcome: 'success' },
    { actorEmail: 'bob@example.test', action: 'user.role', target: 'user:2', outcome: 'denied', reason: 'requires admin, has viewer' },
    { actorEmail: 'ann@example.test', action: 'auth.login', outcome: 'failure', reason: 'wrong password' },
    { actorEmail: 'ann@example.test', action: 'server_100%_done', outcome: 'success' },
  ] as const;
  for (const row of rows) await recordAudit(t.db, { ...row, ip: '192.0.2.1' });
  // Spread the rows over days so the date filter has something to cut.
  await t.db.execute(sql`alter table audit_events disable trigger audit_events_no_update_delete`);
  await t.db.execute(sql`update audit_events set at = ${new Date(base).toISOString()}::timestamptz + (id * interval '1 day')`);
  await t.db.execute(sql`alter table audit_events enable trigger audit_events_no_update_delete`);
});
afterAll(async () => t.close());

describe('audit trail', () => {
  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    // Drizzle wraps the driver's error; the trigger's message is its cause.
    const appendOnly = { cause: expect.objectContaining({ message: 'audit_events is append-only' }) };
    await expect(t.db.execute(sql`update audit_events set outcome = 'success'`)).rejects.toMatchObject(appendOnly);
    await expect(t.db.execute(sql`delete from audit_events`)).rejects.toMatchObject(appendOnly);
    await expect(t.db.execute(sql`truncate audit_events`)).rejects.toMatchObject(appendOnly);
    expect(await listAuditEvents(t.db)).toHaveLength(4);
  });

  it('filters by actor, action or target, outcome and date, newest first', async () => {
    expect((await listAuditEvents(t.db, { actor: 'ANN' })).map((e) => e.action)).toEqual(['server_100%_done', 'auth.login', 'user.create']);
    expect((await listAuditEvents(t.db, { action: 'user:2' })).map((e) => e.action)).toEqual(['user.role', 'user.create']);
    expect((await listAuditEvents(t.db, { outcome: 'denied' }))[0]).toMatchObject({
      actorEmail: 'bob@example.test',
      reason: 'requires admin, has viewer',
    });
    expect(await listAuditEvents(t.db, { from: new Date('2026-05-03T00:00:00Z'), to: new Date('2026-05-04T23:00:00Z') })).toHaveLength(2);
  });

  it('treats % and _ in a filter as plain text', async () => {
    expect((await listAuditEvents(t.db, { action: '100%' })).map((e) => e.action)).toEqual(['server_100%_done']);
    expect(await listAuditEvents(t.db, { action: 'user_' })).toHaveLength(0);
  });

  it('pages by id', async () => {
    const [newest] = await listAuditEvents(t.db, { limit: 1 });
    const rest = await listAuditEvents(t.db, { beforeId: newest!.id });
    expect(rest.map((e) => e.id)).toEqual([newest!.id - 1, newest!.id - 2, newest!.id - 3]);
  });
});

describe('audit target names', () => {
  it('names apps, servers, monitors, users and releases; leaves gone, malformed and free-text targets out', async () => {
    const config = appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'] });
    const [app] = await t.db.insert(apps).values({ slug: 'shop', name: 'Shop', config }).returning();
    const serverId = crypto.randomUUID();
    await t.db.insert(servers).values({ id: serverId, name: 'web-1', host: '192.0.2.1', username: 'root' });
    const [monitor] = await t.db.insert(monitors).values({ name: 'Shop home', kind: 'http', url: 'https://shop.test/' }).returning();
    const [user] = await t.db
      .insert(users)
      .values({ email: 'ann@example.test', name: 'Ann', passwordHash: 'x', role: 'admin' })
      .returning();
    const [release] = await t.db
      .insert(releases)
      .values({ appId: app!.id, kind: 'deploy', ref: 'main', trigger: 'button', number: 7 })
      .returning();
    const gone = crypto.randomUUID();

    const names = await auditTargetNames(t.db, [
      `app:${app!.id}`,
      `server:${serverId}`,
      `monitor:${monitor!.id}`,
      `user:${user!.id}`,
      `release:${release!.id}`,
      `app:${gone}`,
      'app:not-a-uuid',
      'user:1 or 1=1',
      'settings:monitoring',
      'offsite',
      null,
    ]);
    expect(Object.fromEntries(names)).toEqual({
      [`app:${app!.id}`]: { kind: 'app', id: app!.id, name: 'Shop' },
      [`server:${serverId}`]: { kind: 'server', id: serverId, name: 'web-1' },
      [`monitor:${monitor!.id}`]: { kind: 'monitor', id: monitor!.id, name: 'Shop home' },
      [`user:${user!.id}`]: { kind: 'user', id: String(user!.id), name: 'Ann' },
      [`release:${release!.id}`]: { kind: 'release', id: release!.id, appId: app!.id, name: 'Shop deploy #7' },
    });
  });

  it('asks nothing when no target names a row', async () => {
    expect((await auditTargetNames(t.db, ['backup-panel', null])).size).toBe(0);
  });
});

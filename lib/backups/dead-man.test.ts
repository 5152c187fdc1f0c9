import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findMonitorByAutoKey } from '@/db/queries/backup-schedule';
import { insertTarget } from '@/db/queries/backups';
import { recentResults } from '@/db/queries/check-results';
import { incidentsOf, openIncidentOf } from '@/db/queries/incidents';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { syncAppMonitors } from '@/lib/monitors/app-monitors';
import { checkOverdueHeartbeats } from '@/lib/monitors/heartbeat';
import { outbox, subscribeChannel } from '@/test-support/monitor-fixtures';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { deadManKey, recordBackupSuccess } from './dead-man';
import { tickBackups } from './schedule';

const ring = parseKeyRing(generateKeyText(1));
const publicUrl = 'https://berth.test';
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await insertTarget(t.db, { name: 'offsite', kind: 'local', settings: { kind: 'local', path: '/srv/backups' }, repoKeySealed: 'x' });
  await subscribeChannel(t.db, ring);
});
afterAll(async () => t.close());

const T0 = new Date('2030-05-01T00:00:30Z');
const plus = (s: number) => new Date(T0.getTime() + s * 1000);

describe("the dead man's switch", () => {
  it('a policy with no successful backup goes down within its interval plus grace, opens an incident and alerts; a success brings it back', async () => {
    const config = appConfigInput.parse({
      slug: 'shop',
      kind: 'php',
      domains: ['shop.test'],
      backups: [{ name: 'often', target: 'offsite', schedule: '*/5 * * * *', graceMinutes: 1, drillSchedule: '' }],
    });
    const app = await insertApp(t.db, { slug: 'shop', name: 'shop', config }, []);
    const deps = { db: t.db, publicUrl };
    const send = async () => 'job';

    // The scheduler's tick makes the monitor (period 5 min, grace 1 min) and queues runs that never succeed.
    for (let s = 0; s <= 6 * 60; s += 60) await tickBackups(t.db, ring, send, plus(s));
    const m = (await findMonitorByAutoKey(t.db, deadManKey(app.id, 'often')))!;
    expect(m).toMatchObject({ name: 'Backup shop/often', kind: 'heartbeat', intervalS: 300, graceS: 60, createdAt: T0, state: 'pending' });

    // The per-app HTTP check sync (the monitors engine's reload) leaves it alone.
    await syncAppMonitors(t.db);
    expect(await findMonitorByAutoKey(t.db, m.autoKey!)).toBeDefined();

    // The monitors engine's heartbeat sweep, with the clock injected.
    expect(await checkOverdueHeartbeats(deps, plus(359))).toBe(0);
    expect(await checkOverdueHeartbeats(deps, plus(361))).toBe(1);
    expect(await findMonitorByAutoKey(t.db, m.autoKey!)).toMatchObject({ state: 'down', lastError: 'no ping within 360 s of creation' });
    expect(await openIncidentOf(t.db, m.id)).toMatchObject({ cause: 'no ping within 360 s of creation' });
    expect((await outbox(t.db)).filter((o) => o.monitorId === m.id)).toEqual([
      expect.objectContaining({
        type: 'monitor.down',
        title: 'Backup shop/often is down',
        status: 'pending',
        url: `${publicUrl}/monitors/${m.id}`,
      }),
    ]);
    expect(await checkOverdueHeartbeats(deps, plus(420))).toBe(0); // one incident, not one per sweep

    // A backup succeeds: the same path as a heartbeat ping.
    expect(await recordBackupSuccess(t.db, app.id, 'often', plus(430), publicUrl)).toBe('ok');
    expect(await findMonitorByAutoKey(t.db, m.autoKey!)).toMatchObject({ state: 'up', lastPingAt: plus(430) });
    const [incident] = await incidentsOf(t.db, m.id);
    expect(incident).toMatchObject({ endedAt: plus(430) });
    expect(incident!.timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'a backup succeeded' });
    expect((await outbox(t.db)).filter((o) => o.monitorId === m.id).map((o) => o.type)).toEqual(['monitor.down', 'monitor.up']);
    expect((await recentResults(t.db, m.id)).map((r) => r.ok)).toEqual([true, false]);

    // The next deadline counts from that success.
    expect(await checkOverdueHeartbeats(deps, plus(430 + 359))).toBe(0);
    expect(await checkOverdueHeartbeats(deps, plus(430 + 361))).toBe(1);
  });

  it('a success for a policy the scheduler has not seen yet is not an error', async () => {
    expect(await recordBackupSuccess(t.db, crypto.randomUUID(), 'daily', T0, publicUrl)).toBe('missing');
  });
});

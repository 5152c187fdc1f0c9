import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteChannel, listChannels, updateChannel } from '@/db/queries/notifications';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { saveChannel } from './channels';
import { REPEAT_WINDOW_MS, notify } from './emit';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let channelId: string;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());
beforeEach(async () => {
  for (const c of await listChannels(t.db)) await deleteChannel(t.db, c.id);
  const all = [
    'monitor.down',
    'monitor.up',
    'release.failed',
    'release.rolled_back',
    'server.unreachable',
    'server.host_key_mismatch',
    'fpm.max_children',
  ];
  channelId = (await saveChannel(t.db, ring, { kind: 'webhook', name: 'all', events: all, url: 'http://127.0.0.1:9/x' })).id;
});

const T0 = new Date('2030-03-01T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const statuses = async () => (await t.db.query.notifications.findMany({ orderBy: (n, { asc }) => asc(n.createdAt) })).map((n) => n.status);
const down = (serverId = 's1') => ({ type: 'server.unreachable' as const, title: 'web-1 is unreachable', text: 'ECONNREFUSED', serverId });

describe('rate limiting of repeats', () => {
  it('suppresses a second server.unreachable within 30 minutes, and sends it again after the window', async () => {
    expect(REPEAT_WINDOW_MS['server.unreachable']).toBe(30 * 60_000);
    expect(await notify(t.db, { ...down(), at: T0 })).toBe(1);
    expect(await notify(t.db, { ...down(), at: min(10) })).toBe(0);
    expect(await notify(t.db, { ...down(), at: min(29) })).toBe(0);
    // The window counts from the last one sent, not from the suppressed repeats.
    expect(await notify(t.db, { ...down(), at: min(31) })).toBe(1);
    expect(await statuses()).toEqual(['pending', 'suppressed', 'suppressed', 'pending']);
  });

  it('rate-limits per subject: another server is its own alert', async () => {
    expect(await notify(t.db, { ...down('s1'), at: T0 })).toBe(1);
    expect(await notify(t.db, { ...down('s2'), at: min(1) })).toBe(1);
  });

  it('sends host key mismatches once per 6 hours', async () => {
    const e = { type: 'server.host_key_mismatch' as const, title: 'key changed', text: 'x', serverId: 's1' };
    expect(await notify(t.db, { ...e, at: T0 })).toBe(1);
    expect(await notify(t.db, { ...e, at: min(5 * 60) })).toBe(0);
    expect(await notify(t.db, { ...e, at: min(6 * 60 + 1) })).toBe(1);
  });

  it('always sends monitor down/up and release events', async () => {
    const m = { title: 'm', text: 'x', monitorId: 'm1' };
    for (let i = 0; i < 3; i++) {
      expect(await notify(t.db, { ...m, type: 'monitor.down', at: min(i) })).toBe(1);
      expect(await notify(t.db, { ...m, type: 'monitor.up', at: min(i) })).toBe(1);
    }
    expect(await notify(t.db, { type: 'release.failed', title: 'r', text: 'x', releaseId: 'r1', at: T0 })).toBe(1);
    expect(await notify(t.db, { type: 'release.failed', title: 'r', text: 'x', releaseId: 'r1', at: min(1) })).toBe(1);
    expect((await statuses()).every((s) => s === 'pending')).toBe(true);
  });

  it('queues nothing for a disabled channel or one not subscribed to the event', async () => {
    await updateChannel(t.db, channelId, { enabled: false });
    expect(await notify(t.db, { ...down(), at: T0 })).toBe(0);
    await updateChannel(t.db, channelId, { enabled: true, events: ['monitor.down'] });
    expect(await notify(t.db, { ...down(), at: T0 })).toBe(0);
    expect(await statuses()).toEqual([]);
  });
});

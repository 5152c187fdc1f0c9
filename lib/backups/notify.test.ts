import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { insertRun } from '@/db/queries/backups';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { DEFAULT_EVENTS } from '@/lib/model/notifications';
import { saveChannel } from '@/lib/notify/channels';
import { REPEAT_WINDOW_MS } from '@/lib/notify/emit';
import { EVENT_LABELS } from '@/lib/notify/fields';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { notifyBackupFailed } from './notify';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let appId: string;
beforeAll(async () => {
  t = await createTestDb();
  const config = appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'] });
  appId = (await insertApp(t.db, { slug: 'shop', name: 'shop', config }, [])).id;
  // A channel as a new one is made: subscribed to the default events, which include backup.failed.
  await saveChannel(t.db, ring, { kind: 'webhook', name: 'ops', events: [...DEFAULT_EVENTS], url: 'http://127.0.0.1:9/x' });
});
afterAll(async () => t.close());

const queued = async () => (await t.db.query.notifications.findMany({ orderBy: (n, { asc }) => asc(n.createdAt) })).map((n) => n.event);

describe('backup.failed', () => {
  it('is an alert by default, labelled, and never rate-limited', () => {
    expect(DEFAULT_EVENTS).toContain('backup.failed');
    expect(EVENT_LABELS['backup.failed']).toMatch(/Backup/);
    expect(REPEAT_WINDOW_MS['backup.failed']).toBe(0);
  });

  it('names the app, policy, kind and failed stage, with the error and a link to the app’s backups', async () => {
    const base = { appId, policy: 'daily', targetName: 'offsite', status: 'failed' as const, finishedAt: new Date('2030-01-01T03:20:00Z') };
    const verify = await insertRun(t.db, { ...base, kind: 'verify', failedStage: 'verify', error: 'Fatal: repository contains errors\n…' });
    const drill = await insertRun(t.db, { ...base, kind: 'drill', error: 'row counts differ: public.orders 120 ≠ 119' });
    const backup = await insertRun(t.db, { ...base, kind: 'backup', status: 'interrupted', error: null });
    expect(await notifyBackupFailed(t.db, verify, 'shop', 'https://berth.test')).toBe(1);
    expect(await notifyBackupFailed(t.db, drill, 'shop', 'https://berth.test')).toBe(1);
    expect(await notifyBackupFailed(t.db, backup, 'shop', 'https://berth.test')).toBe(1);
    expect(await queued()).toEqual([
      expect.objectContaining({
        type: 'backup.failed',
        title: 'shop/daily: verification failed at verify',
        text: 'Target offsite.\nFatal: repository contains errors\n…',
        url: `https://berth.test/apps/${appId}/backups`,
        appId,
        at: '2030-01-01T03:20:00.000Z',
      }),
      expect.objectContaining({ title: 'shop/daily: restore drill failed', text: expect.stringMatching(/row counts differ/) }),
      expect.objectContaining({ title: 'shop/daily: backup was interrupted', text: 'Target offsite.' }),
    ]);
  });
});

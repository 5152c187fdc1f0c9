import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { listBackupMonitors } from '@/db/queries/backup-schedule';
import { insertTarget, runsOfApp, updateBackupRun } from '@/db/queries/backups';
import { type App, backupRuns } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { nextRunAt, tickBackups } from './schedule';
import { dueSlot, latestSlot, longestGapS } from './schedule-slots';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
const sent: { payload: JobPayload; key: string }[] = [];
const send = async (payload: JobPayload, key: string) => {
  sent.push({ payload, key });
  return `job-${sent.length}`;
};
const tick = (iso: string) => tickBackups(t.db, ring, send, new Date(iso));

beforeAll(async () => {
  t = await createTestDb();
  await insertTarget(t.db, { name: 'offsite', kind: 'local', settings: { kind: 'local', path: '/srv/backups' }, repoKeySealed: 'x' });
});
afterAll(async () => t.close());

async function appWith(slug: string, backups: Record<string, unknown>[]): Promise<App> {
  const config = appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], backups });
  return insertApp(t.db, { slug, name: slug, config }, []);
}
const runsOf = async (appId: string) => (await runsOfApp(t.db, appId)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
const slots = async (appId: string, kind = 'backup') =>
  (await runsOf(appId)).filter((r) => r.kind === kind).map((r) => [r.scheduledFor?.toISOString(), r.status]);

describe('cron slots (UTC)', () => {
  it('a slot at exactly now is due now', () => {
    expect(latestSlot('15 3 * * *', new Date('2030-01-02T03:15:00Z')).toISOString()).toBe('2030-01-02T03:15:00.000Z');
    expect(latestSlot('15 3 * * *', new Date('2030-01-02T03:14:59Z')).toISOString()).toBe('2030-01-01T03:15:00.000Z');
  });

  it('only the newest missed slot, never one before the policy was first seen', () => {
    const since = new Date('2030-01-01T10:00:00Z');
    expect(dueSlot('15 3 * * *', new Date('2030-01-01T10:00:00Z'), since, null)).toBeNull();
    expect(dueSlot('15 3 * * *', new Date('2030-01-09T12:00:00Z'), since, new Date('2030-01-02T03:15:00Z'))?.toISOString()).toBe(
      '2030-01-09T03:15:00.000Z',
    );
  });

  it('the dead man’s period is the longest gap between slots', () => {
    const from = new Date('2030-01-01T00:00:00Z');
    expect(longestGapS('15 3 * * *', from)).toBe(86_400);
    expect(longestGapS('*/5 * * * *', from)).toBe(300);
    expect(longestGapS('0 9 * * 1-5', from)).toBe(3 * 86_400); // Friday 09:00 → Monday 09:00
    expect(longestGapS('0 0 1 * *', from)).toBe(31 * 86_400);
    expect(longestGapS('0 3,4 * * *', from)).toBe(23 * 3600);
  });

  it('next run for the UI', () => {
    const now = new Date('2030-01-05T12:00:00Z'); // a Saturday
    const policy = { schedule: '15 3 * * *', drillSchedule: '30 4 * * 0' };
    expect(nextRunAt(policy, now)?.toISOString()).toBe('2030-01-06T03:15:00.000Z');
    expect(nextRunAt(policy, now, 'drill')?.toISOString()).toBe('2030-01-06T04:30:00.000Z');
    expect(nextRunAt({ ...policy, drillSchedule: '' }, now, 'drill')).toBeNull();
  });
});

describe('tickBackups', () => {
  it('does not back-fill on first sight, runs each slot once however many ticks, and only the newest after a gap', async () => {
    const app = await appWith('shop', [{ name: 'daily', target: 'offsite', schedule: '15 3 * * *', drillSchedule: '' }]);
    // First sight at 10:00: today's 03:15 is before the policy existed for the scheduler.
    expect(await tick('2030-01-01T10:00:00Z')).toEqual([]);
    expect(await runsOf(app.id)).toEqual([]);
    expect(await tick('2030-01-02T03:14:00Z')).toEqual([]);

    sent.length = 0;
    const [req] = await tick('2030-01-02T03:15:00Z');
    expect(req).toMatchObject({ appId: app.id, policy: 'daily', kind: 'backup', skipped: false });
    expect(sent).toEqual([{ payload: { kind: 'backup', runId: req!.runId }, key: `backup:${app.id}` }]);
    // Two more ticks in the same minute, and one a minute later: the slot is taken.
    expect(await tick('2030-01-02T03:15:00Z')).toEqual([]);
    expect(await tick('2030-01-02T03:15:40Z')).toEqual([]);
    expect(await tick('2030-01-02T03:16:00Z')).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(await slots(app.id)).toEqual([['2030-01-02T03:15:00.000Z', 'queued']]);

    // The next slot comes while that run is still queued: recorded as skipped, and not asked again.
    await tick('2030-01-03T03:15:00Z');
    await tick('2030-01-03T03:16:00Z');
    expect(await slots(app.id)).toEqual([
      ['2030-01-02T03:15:00.000Z', 'queued'],
      ['2030-01-03T03:15:00.000Z', 'skipped'],
    ]);
    expect(sent).toHaveLength(1);

    // The panel was off for days: one backup, for the newest slot.
    await t.db.update(backupRuns).set({ status: 'succeeded' }).where(eq(backupRuns.appId, app.id));
    await tick('2030-01-07T12:00:00Z');
    expect((await slots(app.id)).at(-1)).toEqual(['2030-01-07T03:15:00.000Z', 'queued']);
    expect(await slots(app.id)).toHaveLength(3);
  });

  it('an on-demand backup after a slot counts as that slot’s run', async () => {
    const app = await appWith('blog', [{ name: 'daily', target: 'offsite', schedule: '0 2 * * *', drillSchedule: '' }]);
    await tick('2030-02-01T00:00:00Z');
    await t.db.insert(backupRuns).values({
      appId: app.id,
      policy: 'daily',
      kind: 'backup',
      targetName: 'offsite',
      createdAt: new Date('2030-02-01T02:00:30Z'),
      status: 'succeeded',
    });
    expect(await tick('2030-02-01T02:01:00Z')).toEqual([]);
  });

  it('drills run on their own schedule, and only once a backup has succeeded', async () => {
    const app = await appWith('crm', [{ name: 'daily', target: 'offsite', schedule: '15 3 * * *', drillSchedule: '30 4 * * 0' }]);
    await tick('2030-01-01T00:00:00Z'); // first sight (a Tuesday)
    await tick('2030-01-01T03:15:00Z');
    // Sunday's drill slot with the only backup still queued: no drill.
    expect(await tick('2030-01-06T04:30:00Z')).not.toContainEqual(expect.objectContaining({ kind: 'drill' }));
    const [first] = await runsOf(app.id);
    await updateBackupRun(t.db, first!.id, { status: 'succeeded', verifiedAt: new Date('2030-01-01T03:20:00Z') });
    await tick('2030-01-13T04:30:00Z');
    await tick('2030-01-13T04:30:20Z');
    expect(await slots(app.id, 'drill')).toEqual([['2030-01-13T04:30:00.000Z', 'queued']]);
  });

  it('a policy whose target is gone is reported, not thrown, and other policies still run', async () => {
    const app = await appWith('wiki', [
      { name: 'lost', target: 'nowhere', schedule: '0 1 * * *', drillSchedule: '' },
      { name: 'kept', target: 'offsite', schedule: '0 1 * * *', drillSchedule: '' },
    ]);
    await tick('2030-03-01T00:00:00Z');
    const got = (await tick('2030-03-01T01:00:00Z')).filter((r) => r.appId === app.id);
    expect(got).toEqual([
      expect.objectContaining({ policy: 'lost', runId: null, error: expect.stringMatching(/target nowhere does not exist/) }),
      expect.objectContaining({ policy: 'kept', skipped: false, runId: expect.any(String) }),
    ]);
  });

  it('keeps one dead-man monitor per policy, follows a changed schedule, and drops a removed policy’s', async () => {
    const app = await appWith('docs', [{ name: 'daily', target: 'offsite', schedule: '15 3 * * *', graceMinutes: 30, drillSchedule: '' }]);
    await tick('2030-04-01T00:00:00Z');
    const mine = async () => (await listBackupMonitors(t.db)).filter((m) => m.appId === app.id);
    expect(await mine()).toEqual([
      expect.objectContaining({
        autoKey: `backup:${app.id}:daily`,
        name: 'Backup docs/daily',
        kind: 'heartbeat',
        intervalS: 86_400,
        graceS: 1800,
        tokenHash: null,
      }),
    ]);
    const config = appConfigInput.parse({ ...app.config, backups: [{ ...app.config.backups[0], schedule: '0 */6 * * *' }] });
    await updateAppConfig(t.db, app.id, config);
    await tick('2030-04-01T00:01:00Z');
    expect((await mine())[0]).toMatchObject({ intervalS: 6 * 3600 });
    await updateAppConfig(t.db, app.id, { ...config, backups: [] });
    await tick('2030-04-01T00:02:00Z');
    expect(await mine()).toEqual([]);
  });
});

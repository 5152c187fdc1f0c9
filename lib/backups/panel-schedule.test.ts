import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findMonitorByAutoKey } from '@/db/queries/backup-schedule';
import { insertTarget } from '@/db/queries/backups';
import { getSetting, putSetting, takeSetting } from '@/db/queries/settings';
import { notifications } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { appConfigInput } from '@/lib/model/app-config';
import { DEFAULT_EVENTS } from '@/lib/model/notifications';
import { saveChannel } from '@/lib/notify/channels';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { deadManKey, PANEL_DEAD_MAN_KEY } from './dead-man';
import { addBackupMetrics } from './metrics';
import type { PanelBackupResult } from './panel-backup';
import { PANEL_POLICY_KEY, panelPolicyFromForm, requestPanelBackupNow } from './panel-schedule';
import { interruptPanelBackupJob, readPanelBackupStatus, runPanelBackupJob } from './panel-schedule-run';
import { tickBackups } from './schedule';

const ring = parseKeyRing(generateKeyText(1));
const publicUrl = 'https://berth.test';
let t: TestDb;
const sent: { payload: JobPayload; key: string }[] = [];
const send = async (payload: JobPayload, key: string) => {
  sent.push({ payload, key });
  return `job-${sent.length}`;
};
const tick = (iso: string) => tickBackups(t.db, ring, send, new Date(iso));
const panelJobs = () => sent.filter((s) => s.payload.kind === 'panel-backup');
const policy = (over: Record<string, unknown> = {}) =>
  putSetting(
    t.db,
    PANEL_POLICY_KEY,
    JSON.stringify({
      target: 'offsite',
      schedule: '15 3 * * *',
      retention: { daily: 7, weekly: 4, monthly: 6 },
      graceMinutes: 30,
      ...over,
    }),
  );
const queued = async () => (await t.db.select().from(notifications)).map((n) => n.event);

beforeAll(async () => {
  t = await createTestDb();
  await insertTarget(t.db, { name: 'offsite', kind: 'local', settings: { kind: 'local', path: '/srv/backups' }, repoKeySealed: 'x' });
  await saveChannel(t.db, ring, { kind: 'webhook', name: 'ops', events: [...DEFAULT_EVENTS], url: 'http://127.0.0.1:9/x' });
});
afterAll(async () => t.close());
beforeEach(() => {
  sent.length = 0;
});

describe("the panel's backup settings", () => {
  it('refuses a bad schedule, retention, grace or target beside each field', () => {
    const bad = panelPolicyFromForm({
      target: 'Off Site',
      schedule: '61 * * *',
      retentionDaily: '1.5',
      retentionWeekly: '4',
      retentionMonthly: '6',
      graceMinutes: '0',
    });
    expect(bad.ok ? {} : bad.fieldErrors).toEqual({
      target: [expect.stringMatching(/lowercase/)],
      schedule: [expect.stringMatching(/five fields/)],
      retentionDaily: ['Keep a whole number of daily backups'],
      graceMinutes: ['At least 1 minute'],
    });
    const none = panelPolicyFromForm({
      target: 'offsite',
      schedule: '0 3 * * *',
      retentionDaily: '0',
      retentionWeekly: '0',
      retentionMonthly: '0',
      graceMinutes: '60',
    });
    expect(none.ok ? {} : none.fieldErrors).toEqual({ retentionDaily: ['Keep at least one backup (daily, weekly or monthly)'] });
    const good = panelPolicyFromForm({
      target: 'offsite',
      schedule: ' 0 3 * * * ',
      retentionDaily: '7',
      retentionWeekly: '0',
      retentionMonthly: '12',
      graceMinutes: '90',
    });
    expect(good).toEqual({
      ok: true,
      policy: { target: 'offsite', schedule: '0 3 * * *', retention: { daily: 7, weekly: 0, monthly: 12 }, graceMinutes: 90 },
    });
  });

  it('a stored policy that no longer parses schedules nothing and keeps no monitor', async () => {
    await putSetting(t.db, PANEL_POLICY_KEY, JSON.stringify({ target: 'offsite', schedule: 'every night' }));
    await tick('2030-01-01T03:15:00Z');
    await putSetting(t.db, PANEL_POLICY_KEY, '{not json');
    await tick('2030-01-02T03:15:00Z');
    expect(panelJobs()).toEqual([]);
    expect(await findMonitorByAutoKey(t.db, PANEL_DEAD_MAN_KEY)).toBeUndefined();
    await expect(requestPanelBackupNow(t.db, send, 1)).rejects.toThrow(/Save the panel's backup settings first/);
  });
});

describe("the panel's backup schedule", () => {
  it('does not back-fill, queues each slot once on backup:panel, only the newest after a gap, and keeps its dead man beside the apps’', async () => {
    // An app policy too: its dead-man sync must leave the panel's monitor alone.
    const config = appConfigInput.parse({
      slug: 'shop',
      kind: 'php',
      domains: ['shop.test'],
      backups: [{ target: 'offsite', drillSchedule: '' }],
    });
    const app = await insertApp(t.db, { slug: 'shop', name: 'shop', config }, []);
    await policy();

    // First sight at 10:00: today's 03:15 came before the scheduler knew the policy.
    await tick('2030-02-01T10:00:00Z');
    expect(panelJobs()).toEqual([]);
    const monitor = await findMonitorByAutoKey(t.db, PANEL_DEAD_MAN_KEY);
    expect(monitor).toMatchObject({
      kind: 'heartbeat',
      intervalS: 86_400,
      graceS: 30 * 60,
      appId: null,
      createdAt: new Date('2030-02-01T10:00:00Z'),
    });
    expect(await findMonitorByAutoKey(t.db, deadManKey(app.id, 'daily'))).toBeDefined();

    await tick('2030-02-02T03:14:00Z');
    expect(panelJobs()).toEqual([]);
    for (const at of ['2030-02-02T03:15:00Z', '2030-02-02T03:15:30Z', '2030-02-02T03:16:00Z', '2030-02-02T09:00:00Z']) await tick(at);
    expect(panelJobs()).toEqual([{ payload: { kind: 'panel-backup', scheduledFor: '2030-02-02T03:15:00.000Z' }, key: 'backup:panel' }]);

    // A week off: one backup for the newest slot, not seven.
    sent.length = 0;
    await tick('2030-02-09T12:00:00Z');
    await tick('2030-02-09T12:01:00Z');
    expect(panelJobs().map((j) => j.payload)).toEqual([{ kind: 'panel-backup', scheduledFor: '2030-02-09T03:15:00.000Z' }]);

    // "Back up now" after a missed slot counts as that slot, as an app's manual run does.
    sent.length = 0;
    await requestPanelBackupNow(t.db, send, 7, new Date('2030-02-10T03:20:00Z'));
    await tick('2030-02-10T03:25:00Z');
    expect(panelJobs()).toEqual([{ payload: { kind: 'panel-backup', requestedBy: 7 }, key: 'backup:panel' }]);

    // A new schedule and grace move the monitor (its createdAt, the first sight, stays).
    await policy({ schedule: '0 */6 * * *', graceMinutes: 10 });
    await tick('2030-02-10T04:00:00Z');
    expect(await findMonitorByAutoKey(t.db, PANEL_DEAD_MAN_KEY)).toMatchObject({
      intervalS: 6 * 3600,
      graceS: 600,
      createdAt: monitor!.createdAt,
    });
    expect(await findMonitorByAutoKey(t.db, deadManKey(app.id, 'daily'))).toBeDefined();
  });
});

describe("the panel's backup job", () => {
  const result = (over: Partial<PanelBackupResult> = {}) =>
    ({ snapshotId: 'ab12cd34', addedBytes: 4096, durationMs: 1200, verified: true, forgotten: 0, ...over }) as PanelBackupResult;
  const clock = (start: string) => {
    let ms = Date.parse(start);
    return () => {
      ms += 1000;
      return new Date(ms);
    };
  };

  it('a success records its stages and pings the dead man; the metric carries its time', async () => {
    await policy();
    const outcome = await runPanelBackupJob(
      t.db,
      ring,
      { scheduledFor: '2030-03-01T03:15:00.000Z' },
      {
        publicUrl,
        now: clock('2030-03-01T03:15:00Z'),
        run: async (_db, _ring, target, opts) => {
          expect(target).toBe('offsite');
          expect(opts?.retention).toEqual({ daily: 7, weekly: 4, monthly: 6 });
          for (const s of ['dumped', 'uploaded', 'verified'] as const) await opts?.onStage?.(s);
          return result();
        },
      },
    );
    expect(outcome).toMatchObject({ ok: true, error: null, failedStage: null, snapshotId: 'ab12cd34', addedBytes: 4096, durationMs: 1200 });
    expect(Object.keys(outcome.stages)).toEqual(['dumped', 'uploaded', 'verified']);
    const status = await readPanelBackupStatus(t.db);
    expect(status).toMatchObject({ running: null, lastSuccessAt: outcome.at, last: { ok: true } });
    const m = await findMonitorByAutoKey(t.db, PANEL_DEAD_MAN_KEY);
    expect(m?.lastPingAt).toEqual(new Date(outcome.at));

    const registry = new Registry();
    await addBackupMetrics(t.db, [registry]);
    const text = await registry.metrics();
    expect(text).toContain(
      `berth_backup_last_success_timestamp_seconds{app="_panel",policy="panel"} ${Math.floor(Date.parse(outcome.at) / 1000)}`,
    );
    // Unscheduled: no series, so an outside alert on its age does not fire forever.
    await takeSetting(t.db, PANEL_POLICY_KEY, (await getSetting(t.db, PANEL_POLICY_KEY))!);
    const after = new Registry();
    await addBackupMetrics(t.db, [after]);
    expect(await after.metrics()).not.toContain('_panel');
  });

  it('a failure (here: its target was deleted) is recorded with the stage it did not reach and queues backup.failed', async () => {
    await policy({ target: 'gone' });
    const before = (await queued()).length;
    // The real runPanelBackup: it refuses before dumping anything.
    const outcome = await runPanelBackupJob(t.db, ring, {}, { publicUrl, now: clock('2030-03-02T03:15:00Z') });
    expect(outcome).toMatchObject({ ok: false, failedStage: 'dumped', target: 'gone', error: 'There is no backup target named gone' });
    const events = (await queued()).slice(before);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'backup.failed',
        title: "The panel's own backup failed (not dumped)",
        text: 'Target gone.\nThere is no backup target named gone',
        url: 'https://berth.test/settings/backup-targets',
      }),
    ]);
    // The newest success is still the one the metric and the page show.
    const status = await readPanelBackupStatus(t.db);
    expect(status.last).toMatchObject({ ok: false });
    expect(status.lastSuccessAt).toBe(status.history[1]!.at);
  });

  it('a failure after the dump names the upload; an interrupted run alerts too; the history keeps ten', async () => {
    await policy();
    const before = (await queued()).length;
    const outcome = await runPanelBackupJob(
      t.db,
      ring,
      {},
      {
        publicUrl,
        run: async (_db, _ring, _target, opts) => {
          await opts?.onStage?.('dumped');
          throw new Error('restic: Fatal: unable to open repository');
        },
      },
    );
    expect(outcome).toMatchObject({ ok: false, failedStage: 'uploaded', error: 'restic: Fatal: unable to open repository' });
    expect(Object.keys(outcome.stages)).toEqual(['dumped']);

    // The panel stopped mid-backup: the job's `lost` finds the running row.
    await putSetting(
      t.db,
      'panel-backup-running',
      JSON.stringify({ startedAt: '2030-03-03T03:15:00.000Z', target: 'offsite', stages: { dumped: '2030-03-03T03:15:10.000Z' } }),
    );
    const lost = await interruptPanelBackupJob(t.db, new Date('2030-03-03T03:20:00Z'), publicUrl);
    expect(lost).toMatchObject({ ok: false, interrupted: true, failedStage: 'uploaded' });
    expect(await interruptPanelBackupJob(t.db)).toBeNull();
    expect((await queued()).slice(before).map((e) => e.title)).toEqual([
      "The panel's own backup failed (not uploaded)",
      "The panel's own backup was interrupted (not uploaded)",
    ]);

    for (let i = 0; i < 10; i++) await runPanelBackupJob(t.db, ring, {}, { publicUrl, run: async () => result() });
    expect((await readPanelBackupStatus(t.db)).history).toHaveLength(10);
  });
});

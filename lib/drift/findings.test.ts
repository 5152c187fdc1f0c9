import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, serverBusySince, updateRun } from '@/db/queries/runs';
import { insertServer } from '@/db/queries/servers';
import { getSetting } from '@/db/queries/settings';
import type { DriftFinding } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { DRIFT_INTERVAL_MS, maybeDetectDrift } from './detect';
import { fileDrift, fingerprintOf, reconcile, serviceDrift, type Observed } from './findings';

const vhost: Observed = { appId: 'a1', subject: '/etc/nginx/sites-enabled/berth-shop.conf', change: 'changed', diff: '-x\n+y' };
const cron: Observed = { appId: null, subject: 'cron', change: 'stopped', diff: null };

const stored = (o: Observed, id: string, dismissed = false): DriftFinding => ({
  id,
  serverId: 's1',
  ...o,
  fingerprint: fingerprintOf(o),
  detectedAt: new Date(0),
  lastSeenAt: new Date(0),
  dismissedAt: dismissed ? new Date(0) : null,
  dismissedBy: null,
});

describe('drift findings', () => {
  it('reads configure’s file statuses as drift: an absent file is missing, an extra one left behind; same is no drift', () => {
    const files = [
      { path: '/a', status: 'same' as const, diff: '' },
      { path: '/b', status: 'create' as const, diff: '+b' },
      { path: '/c', status: 'update' as const, diff: '-c\n+C' },
      { path: '/d', status: 'remove' as const, diff: '-d' },
    ];
    expect(fileDrift([{ appId: 'a1', files }]).map((o) => [o.subject, o.change])).toEqual([
      ['/b', 'missing'],
      ['/c', 'changed'],
      ['/d', 'unexpected'],
    ]);
    expect(
      serviceDrift([
        { name: 'nginx', running: true },
        { name: 'cron', running: false },
      ]),
    ).toEqual([cron]);
  });

  it('reconciles: new drift is fresh, the same drift seen again is not, a changed one is fresh again, a gone one resolves', () => {
    expect(reconcile([], [vhost, cron]).fresh.map((f) => f.subject)).toEqual([vhost.subject, 'cron']);
    const same = reconcile([stored(vhost, 'f1', true), stored(cron, 'f2')], [vhost, cron]);
    expect(same).toEqual({ fresh: [], seenAgain: ['f1', 'f2'], resolved: [] });
    const edited = { ...vhost, diff: '-x\n+z' };
    const changed = reconcile([stored(vhost, 'f1', true), stored(cron, 'f2')], [edited]);
    expect(changed.fresh).toEqual([{ ...edited, fingerprint: fingerprintOf(edited) }]);
    expect(changed.resolved).toEqual(['f2']);
  });
});

describe('the periodic check', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.close());

  it('runs once per interval (the last run is a setting every panel process reads)', async () => {
    const ring = parseKeyRing(generateKeyText(1));
    const now = new Date('2026-12-07T10:00:00Z');
    expect(await maybeDetectDrift(t.db, ring, now)).toBe(true);
    expect(await getSetting(t.db, 'drift.lastRunAt')).toBe(now.toISOString());
    expect(await maybeDetectDrift(t.db, ring, new Date(now.getTime() + DRIFT_INTERVAL_MS - 1))).toBe(false);
    expect(await maybeDetectDrift(t.db, ring, new Date(now.getTime() + DRIFT_INTERVAL_MS))).toBe(true);
  });

  it('counts a server busy when a run is active, or started or ended while it was read', async () => {
    const server = await insertServer(t.db, { id: crypto.randomUUID(), name: 'busy-1', host: '127.0.0.1', username: 'root' });
    const checkStarted = new Date(Date.now() - 1000);
    expect(await serverBusySince(t.db, server.id, checkStarted)).toBe(false);
    const run = await createRun(t.db, { serverId: server.id, recipe: 'provision' });
    expect(await serverBusySince(t.db, server.id, checkStarted)).toBe(true); // queued
    await updateRun(t.db, run.id, { status: 'succeeded', createdAt: new Date(Date.now() - 60_000), finishedAt: new Date() });
    expect(await serverBusySince(t.db, server.id, checkStarted)).toBe(true); // ended during the read
    await updateRun(t.db, run.id, { finishedAt: new Date(Date.now() - 30_000) });
    expect(await serverBusySince(t.db, server.id, checkStarted)).toBe(false); // ended before it
  });
});

import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { checkRollups, fpmRollups, fpmSamples, incidents, monitors, releases, type MonitorState } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { loadDashboard } from '@/lib/dashboard/load';
import { releaseMarkers } from '@/lib/dashboard/markers';
import { chartWindow } from '@/lib/dashboard/range';
import { fpmSeries, responseSeries } from '@/lib/dashboard/series';
import { sumUptime, uptimePct } from '@/lib/dashboard/status';
import { decideRollbackTargets } from '@/lib/releases/rollback-targets';
import { findApp, insertApp } from './apps';
import { appMonitors, fpmBuckets, releasesInWindow, responseBuckets, uptimeOfApp } from './dashboard';
import { fpmNow, openIncidentsOfApp } from './dashboard-panel';
import { succeededReleases } from './releases';
import { insertServer } from './servers';

let t: TestDb;
let appId: string;
let otherAppId: string;
const web = { one: '', two: '' };
const mon = { a: '', b: '', other: '' };
const now = new Date('2026-03-10T12:34:30Z');
const at = (iso: string) => new Date(iso);
const minutesBefore = (m: number) => new Date(now.getTime() - m * 60_000);

const config = (slug: string) => appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`] });
type Roll = { monitorId: string; res: number; bucket: Date; checks: number; failures: number; latencySum?: number; latencyCount?: number };
const roll = (rows: Roll[]) =>
  t.db
    .insert(checkRollups)
    .values(rows.map((r) => ({ latencySum: r.latencyCount ? (r.latencySum ?? 0) : 0, latencyCount: 0, latencyMax: null, ...r })));
const addMonitor = async (name: string, app: string, serverId: string | null, state: MonitorState = 'up') =>
  (
    await t.db
      .insert(monitors)
      .values({ name, kind: 'http', appId: app, serverId, url: `http://${name}/`, state })
      .returning()
  )[0]!.id;

beforeAll(async () => {
  t = await createTestDb();
  const server = (name: string) =>
    insertServer(t.db, { id: crypto.randomUUID(), name, host: '10.0.0.1', username: 'root', privateKeySealed: 'x', publicKey: 'x' });
  web.one = (await server('web-1')).id;
  web.two = (await server('web-2')).id;
  appId = (
    await insertApp(t.db, { slug: 'shop', name: 'Shop', config: config('shop') }, [
      { serverId: web.one, roles: ['web'] },
      { serverId: web.two, roles: ['web'] },
    ])
  ).id;
  otherAppId = (await insertApp(t.db, { slug: 'blog', name: 'Blog', config: config('blog') }, [])).id;
  mon.a = await addMonitor('shop.test', appId, web.one);
  mon.b = await addMonitor('shop.test', appId, web.two, 'down');
  mon.other = await addMonitor('blog.test', otherAppId, web.one);
});
afterAll(async () => t.close());

describe('uptime from rollups', () => {
  it('counts 24 h from minutes then hours, 7 d / 30 d from hours then days, in one query, without double counting', async () => {
    // Check outcomes per minute, written to all three tiers the way the engine upserts them.
    const events: [string, number, number][] = [
      ['2026-03-09T12:33:00Z', 1, 1], // just before the 24 h window (12:34:30): 7 d and 30 d only
      ['2026-03-09T12:40:00Z', 1, 0], // the partial first hour of 24 h: read from minutes
      ['2026-03-09T12:59:00Z', 1, 1],
      ['2026-03-09T13:10:00Z', 60, 0], // full hours of 24 h
      ['2026-03-10T12:00:00Z', 35, 5],
      ['2026-03-07T08:00:00Z', 60, 30], // 3 days ago: 7 d (days) and 30 d (days)
      ['2026-03-03T14:00:00Z', 10, 10], // the 7 d window's partial first day (from 13:00): read from hours
      ['2026-03-03T10:00:00Z', 10, 0], // before the 7 d window, in 30 d (the day 03-03)
      ['2026-02-18T08:00:00Z', 60, 60], // 20 days ago: 30 d
      ['2026-02-08T14:00:00Z', 10, 10], // the 30 d window's partial first day (from 13:00): hours
      ['2026-02-08T12:00:00Z', 10, 0], // before the 30 d window (same UTC day: its day rollup is not read)
      ['2026-01-29T08:00:00Z', 60, 0], // 40 days ago: nothing
    ];
    const tiers = new Map<string, Roll>();
    for (const [iso, checks, failures] of events) {
      for (const res of [60, 3600, 86_400]) {
        const bucket = new Date(Math.floor(Date.parse(iso) / (res * 1000)) * res * 1000);
        const key = `${res}|${bucket.getTime()}`;
        const row = tiers.get(key) ?? { monitorId: mon.a, res, bucket, checks: 0, failures: 0 };
        row.checks += checks;
        row.failures += failures;
        tiers.set(key, row);
      }
    }
    await roll([...tiers.values(), { monitorId: mon.other, res: 3600, bucket: at('2026-03-10T12:00:00Z'), checks: 60, failures: 60 }]);
    const sum = (from: string) => {
      const inside = events.filter(([iso]) => Date.parse(iso) >= Date.parse(from));
      return { ok: inside.reduce((n, [, c, f]) => n + c - f, 0), checks: inside.reduce((n, [, c]) => n + c, 0) };
    };
    const rows = await uptimeOfApp(t.db, appId, now);
    expect(rows).toHaveLength(2);
    const a = rows.find((r) => r.monitorId === mon.a)!;
    expect(a.day).toEqual(sum('2026-03-09T12:34:30Z'));
    expect(a.day).toEqual({ ok: 1 + 60 + 30, checks: 2 + 60 + 35 });
    expect(a.week).toEqual(sum('2026-03-03T13:00:00Z'));
    expect(a.month).toEqual(sum('2026-02-08T13:00:00Z'));
    expect(a.month).toEqual({ ok: 0 + 1 + 60 + 30 + 30 + 0 + 10 + 0 + 0, checks: 1 + 2 + 60 + 35 + 60 + 10 + 10 + 60 + 10 });
    const b = rows.find((r) => r.monitorId === mon.b)!;
    expect(b.day).toEqual({ ok: 0, checks: 0 });
    expect(uptimePct(b.day)).toBeNull();
    expect(uptimePct(sumUptime(rows.map((r) => r.day)))).toBe(Math.floor((91 / 97) * 100_000) / 1000);
  });
});

describe('response-time series', () => {
  it('returns one row per monitor and 5-minute point for the 24 h chart, all monitors in one query', async () => {
    const base = Date.parse('2026-03-10T11:00:00Z');
    const rows: Roll[] = [];
    for (let m = 0; m < 10; m++) {
      rows.push({
        monitorId: mon.a,
        res: 60,
        bucket: new Date(base + m * 60_000),
        checks: 1,
        failures: m === 7 ? 1 : 0,
        latencySum: 100 + m,
        latencyCount: m === 7 ? 0 : 1,
      });
      rows.push({
        monitorId: mon.b,
        res: 60,
        bucket: new Date(base + m * 60_000),
        checks: 2,
        failures: 0,
        latencySum: 400,
        latencyCount: 2,
      });
    }
    // Outside the window, and another app.
    rows.push({ monitorId: mon.a, res: 60, bucket: minutesBefore(24 * 60 + 10), checks: 1, failures: 0, latencySum: 1, latencyCount: 1 });
    rows.push({ monitorId: mon.other, res: 60, bucket: new Date(base), checks: 1, failures: 0, latencySum: 1, latencyCount: 1 });
    await roll(rows);
    const w = chartWindow('24h', now);
    const buckets = await responseBuckets(t.db, appId, w);
    const ours = buckets.filter((b) => b.t >= base && b.t < base + 600_000);
    expect(ours).toHaveLength(4);
    expect(ours.find((b) => b.monitorId === mon.a && b.t === base)).toMatchObject({
      checks: 5,
      failures: 0,
      latencySum: 510,
      latencyCount: 5,
    });
    expect(ours.find((b) => b.monitorId === mon.a && b.t === base + 300_000)).toMatchObject({
      checks: 5,
      failures: 1,
      latencySum: 5 * 100 + 5 + 6 + 7 + 8 + 9,
      latencyCount: 4,
    });
    expect(ours.find((b) => b.monitorId === mon.b && b.t === base)).toMatchObject({ checks: 10, latencySum: 2000, latencyCount: 10 });
    expect(buckets.every((b) => b.t >= w.start.getTime() && b.t < w.end.getTime())).toBe(true);

    const series = responseSeries(w, await appMonitors(t.db, appId), buckets);
    expect(series.points).toHaveLength(288);
    expect(series.lines.map((l) => l.label)).toEqual(['shop.test on web-1', 'shop.test on web-2']);
    const p = series.points.find((x) => x.t === base + 300_000)!;
    expect(p.m0).toBe(Math.round((500 + 35) / 4));
    expect(p.f0).toBe(p.m0);
    expect(p.f1).toBeNull();
    expect(p.failures).toBe(1);
    expect(series.points.find((x) => x.t === base - 300_000)!.m0).toBeNull();
  });

  it('serves the 30 d chart from hour rollups: 720 points', async () => {
    const w = chartWindow('30d', now);
    const buckets = await responseBuckets(t.db, appId, w);
    expect(buckets.every((b) => b.t % 3_600_000 === 0)).toBe(true);
    expect(buckets.find((b) => b.monitorId === mon.a && b.t === Date.parse('2026-03-07T08:00:00Z'))).toMatchObject({
      checks: 60,
      failures: 30,
    });
    expect(responseSeries(w, await appMonitors(t.db, appId), buckets).points).toHaveLength(720);
  });
});

describe('FPM series and the tuning hint', () => {
  it('sums the servers’ average active/idle per point and their max_children hits', async () => {
    const f = (serverId: string, bucket: string, res: number, activeSum: number, reached: number) => ({
      appId,
      serverId,
      res,
      bucket: at(bucket),
      samples: 4,
      activeSum,
      activeMax: 5,
      idleSum: 8,
      totalMax: 5,
      maxChildrenReached: reached,
      slowRequests: 0,
      acceptedConn: 10,
    });
    await t.db
      .insert(fpmRollups)
      .values([
        f(web.one, '2026-03-10T12:00:00Z', 60, 12, 1),
        f(web.one, '2026-03-10T12:01:00Z', 60, 4, 0),
        f(web.two, '2026-03-10T12:02:00Z', 60, 20, 2),
      ]);
    const w = chartWindow('24h', now);
    const points = fpmSeries(w, await fpmBuckets(t.db, appId, w));
    expect(points.find((p) => p.t === Date.parse('2026-03-10T12:00:00Z'))).toEqual({
      t: Date.parse('2026-03-10T12:00:00Z'),
      active: (12 + 4) / 8 + 20 / 4,
      idle: 16 / 8 + 8 / 4,
      reached: 3,
      servers: 2,
    });
    expect(points.filter((p) => p.active !== null)).toHaveLength(1);
  });

  it('shows the FPM helper’s tuning hint once max_children was hit in 3 hours of the last 24 (through loadDashboard, what the page calls)', async () => {
    const f = (serverId: string, bucket: string, reached: number) => ({
      appId,
      serverId,
      res: 3600,
      bucket: at(bucket),
      samples: 240,
      activeSum: 960,
      activeMax: 5,
      idleSum: 0,
      totalMax: 5,
      maxChildrenReached: reached,
      slowRequests: 0,
      acceptedConn: 10,
    });
    await t.db
      .insert(fpmRollups)
      .values([f(web.one, '2026-03-10T10:00:00Z', 1), f(web.one, '2026-03-10T11:00:00Z', 1), f(web.two, '2026-03-10T11:00:00Z', 1)]);
    const app = (await findApp(t.db, appId))!;
    expect((await loadDashboard(t.db, app, '24h', now)).hint).toBeNull();
    await t.db.insert(fpmRollups).values(f(web.one, '2026-03-10T12:00:00Z', 1));
    const d = await loadDashboard(t.db, app, '24h', now);
    expect(d.hint).toContain('web-1');
    expect(d.hint).toContain('pm.max_children (5)');
    expect(d.fpm.filter((p) => p.reached > 0).length).toBeGreaterThan(0);
  });

  it('shows each server’s newest sample, listen queue null on unix sockets', async () => {
    const s = (serverId: string, iso: string, active: number) => ({
      appId,
      serverId,
      at: at(iso),
      startTime: 1,
      active,
      idle: 1,
      total: active + 1,
      maxActive: 3,
      maxChildrenReached: 0,
      slowRequests: 0,
      acceptedConn: 5,
      listenQueue: null,
    });
    await t.db
      .insert(fpmSamples)
      .values([s(web.one, '2026-03-10T12:30:00Z', 1), s(web.one, '2026-03-10T12:34:00Z', 2), s(web.two, '2026-03-10T12:33:00Z', 3)]);
    const rows = await fpmNow(t.db, appId);
    expect(rows.map((r) => [r.serverName, r.active, r.listenQueue]).sort()).toEqual([
      ['web-1', 2, null],
      ['web-2', 3, null],
    ]);
  });
});

describe('release markers and the current release', () => {
  it('takes the releases that finished (or started, still running) inside the window', async () => {
    const rel = async (r: Partial<typeof releases.$inferInsert>) =>
      (
        await t.db
          .insert(releases)
          .values({ appId, kind: 'deploy', ref: 'main', trigger: 'button', ...r })
          .returning()
      )[0]!;
    const old = await rel({
      number: 1,
      status: 'succeeded',
      startedAt: minutesBefore(3 * 24 * 60 + 1),
      finishedAt: minutesBefore(3 * 24 * 60),
    });
    const two = await rel({
      number: 2,
      status: 'succeeded',
      startedAt: minutesBefore(121),
      finishedAt: minutesBefore(120),
      sha: 'abcdef1234567890',
    });
    const bad = await rel({ number: 3, status: 'failed', startedAt: minutesBefore(61), finishedAt: minutesBefore(60) });
    const back = await rel({
      kind: 'rollback',
      ref: 'releases/1',
      targetId: old.id,
      trigger: 'rollback',
      status: 'succeeded',
      startedAt: minutesBefore(31),
      finishedAt: minutesBefore(30),
    });
    const running = await rel({ number: 4, status: 'running', startedAt: minutesBefore(1) });
    // Refused before it started (a failed fetch): never touched the servers, no marker.
    await rel({ number: 5, status: 'failed' });
    await t.db.insert(releases).values({
      appId: otherAppId,
      kind: 'deploy',
      ref: 'main',
      trigger: 'button',
      number: 1,
      status: 'succeeded',
      startedAt: minutesBefore(10),
      finishedAt: minutesBefore(9),
    });

    const day = await releasesInWindow(t.db, appId, chartWindow('24h', now));
    expect(day.map((r) => r.id)).toEqual([two.id, bad.id, back.id, running.id]);
    expect((await releasesInWindow(t.db, appId, chartWindow('7d', now))).map((r) => r.id)).toEqual([
      old.id,
      two.id,
      bad.id,
      back.id,
      running.id,
    ]);
    const markers = releaseMarkers(appId, day);
    expect(markers.map((m) => [m.label, m.color, m.href])).toEqual([
      ['#2', '#4f46e5', `/apps/${appId}/releases/${two.id}`],
      ['#3', '#dc2626', `/apps/${appId}/releases/${bad.id}`],
      ['↩ #1', '#d97706', `/apps/${appId}/releases/${back.id}`],
      ['#4', '#64748b', `/apps/${appId}/releases/${running.id}`],
    ]);
    expect(markers[0]!.t).toBe(minutesBefore(120).getTime());
    expect(markers[0]!.title).toContain('abcdef1234');

    // Live: the rollback to #1 (the newest succeeded release). Nothing older than #1 to roll back to;
    // #2 is still kept (a roll forward, offered on the app page). The rule: lib/releases/rollback-targets.ts.
    const choose = async (id: string, keep: number) => decideRollbackTargets(await succeededReleases(t.db, id), keep);
    const cur = await choose(appId, 5);
    expect([cur.live?.id, cur.via?.id, cur.previous]).toEqual([old.id, back.id, null]);
    expect(cur.targets.map((x) => x.release.id)).toEqual([two.id]);
    // After a new succeeded deploy, one click goes back to #2 (the newest good one before it), not to a bad one.
    const six = await rel({ number: 6, status: 'succeeded', startedAt: minutesBefore(5), finishedAt: minutesBefore(4) });
    await t.db.update(releases).set({ status: 'rolled_back' }).where(eqId(running.id));
    const next = await choose(appId, 5);
    expect([next.live?.id, next.via?.id, next.previous?.release.id]).toEqual([six.id, six.id, two.id]);
    await t.db.update(releases).set({ bad: true }).where(eqId(two.id));
    expect((await choose(appId, 5)).previous?.release.id).toBe(old.id);
    // Kept: only the newest `keep` successful deploys can be targets (older ones were cleaned up).
    expect((await choose(appId, 2)).previous).toBeNull();
    expect(await choose(otherAppId, 5)).toMatchObject({ previous: null });
  });
});

describe('open incidents', () => {
  it('lists only open incidents of the app’s monitors, newest first', async () => {
    await t.db.insert(incidents).values([
      { monitorId: mon.a, startedAt: minutesBefore(50), endedAt: minutesBefore(40), cause: 'closed one' },
      { monitorId: mon.b, startedAt: minutesBefore(20), cause: 'HTTP 502' },
      { monitorId: mon.a, startedAt: minutesBefore(5), cause: 'connect ECONNREFUSED' },
      { monitorId: mon.other, startedAt: minutesBefore(5), cause: 'other app' },
    ]);
    const open = await openIncidentsOfApp(t.db, appId);
    expect(open.map((i) => [i.cause, i.serverName])).toEqual([
      ['connect ECONNREFUSED', 'web-1'],
      ['HTTP 502', 'web-2'],
    ]);
    expect(open[0]!.monitorId).toBe(mon.a);
  });
});

const eqId = (id: string) => eq(releases.id, id);

import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { auditEvents, backupRuns, checkRollups, fpmSamples, monitors, releases, servers } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { readEnv } from '@/lib/config/env';
import { setRuntime, type Runtime } from '@/lib/runtime';
import { handleMetrics, METRICS_OFF_TEXT, tokenMatches } from '@/lib/metrics/handler';
import { GET } from './route';

const TOKEN = 'm'.repeat(40);
const NOW = new Date();
const ago = (ms: number) => new Date(NOW.getTime() - ms);
let t: TestDb;
let monitorIds: Record<string, string>;

/** `name{labels} value` lines of the exposition format, keyed by name and sorted labels. */
function parse(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = (m[2] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
    out.set(`${m[1]}{${labels.sort().join(',')}}`, Number(m[3]));
  }
  return out;
}
const scrape = (token: string | undefined, auth?: string) =>
  handleMetrics(new Request('http://panel.test/api/metrics', { headers: auth ? { authorization: auth } : {} }), {
    db: t.db,
    token,
    ip: '203.0.113.9',
  });

beforeAll(async () => {
  t = await createTestDb();
  const web1 = randomUUID();
  await t.db.insert(servers).values({
    id: web1,
    name: 'web-1',
    host: '127.0.0.1',
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
    hostKeyFingerprint: 'SHA256:x',
  });
  const shop = await insertApp(
    t.db,
    { slug: 'shop', name: 'shop', config: appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'] }) },
    [{ serverId: web1, roles: ['web'] }],
  );
  const api = await insertApp(
    t.db,
    { slug: 'api', name: 'api', config: appConfigInput.parse({ slug: 'api', kind: 'php', domains: ['api.test'] }) },
    [{ serverId: web1, roles: ['web'] }],
  );
  const mon = async (name: string, state: 'up' | 'down' | 'pending' | 'paused', extra: Partial<typeof monitors.$inferInsert> = {}) =>
    (
      await t.db
        .insert(monitors)
        .values({ name, kind: 'http', appId: shop.id, url: 'http://shop.test/', state, ...extra })
        .returning()
    )[0]!.id;
  monitorIds = {
    up: await mon('shop-home', 'up', { lastLatencyMs: 42 }),
    down: await mon('shop-api', 'down', { lastLatencyMs: null }),
    pending: await mon('shop-new', 'pending'),
    paused: await mon('shop-paused', 'up', { paused: true, lastLatencyMs: 7 }),
  };
  await t.db.insert(checkRollups).values([
    { monitorId: monitorIds.up!, res: 60, bucket: ago(3_600_000), checks: 3, failures: 1, latencySum: 100, latencyCount: 3 },
    { monitorId: monitorIds.up!, res: 60, bucket: ago(60_000), checks: 1, failures: 0, latencySum: 40, latencyCount: 1 },
    { monitorId: monitorIds.up!, res: 60, bucket: ago(30 * 3_600_000), checks: 10, failures: 10, latencySum: 0, latencyCount: 0 }, // older than 24 h
    { monitorId: monitorIds.up!, res: 3600, bucket: ago(3_600_000), checks: 99, failures: 99, latencySum: 0, latencyCount: 0 }, // another tier
  ]);
  const s = (appId: string, at: Date, over: Partial<typeof fpmSamples.$inferInsert> = {}) => ({
    appId,
    serverId: web1,
    at,
    startTime: 1,
    active: 2,
    idle: 3,
    total: 5,
    maxActive: 5,
    maxChildrenReached: 4,
    slowRequests: 1,
    acceptedConn: 1234,
    listenQueue: null,
    ...over,
  });
  await t.db
    .insert(fpmSamples)
    .values([s(shop.id, ago(60_000), { active: 9 }), s(shop.id, ago(15_000)), s(api.id, ago(15_000), { listenQueue: 6 })]);
  const rel = (appId: string, status: 'succeeded' | 'failed' | 'running', seconds: number | null, n: number, finishedAgo = 0) => ({
    appId,
    kind: 'deploy' as const,
    ref: 'main',
    trigger: 'button' as const,
    status,
    number: n,
    startedAt: seconds === null ? ago(1000) : ago(finishedAgo + seconds * 1000),
    finishedAt: seconds === null ? null : ago(finishedAgo),
  });
  await t.db
    .insert(releases)
    .values([
      rel(shop.id, 'succeeded', 30, 1, 90_000),
      rel(shop.id, 'succeeded', 50, 2, 60_000),
      rel(shop.id, 'failed', 12, 3, 1000),
      rel(api.id, 'running', null, 1),
    ]);
});
afterAll(async () => t.close());

describe('/api/metrics', () => {
  it('is 404 with how to turn it on when no token is configured', async () => {
    const res = await scrape(undefined, `Bearer ${TOKEN}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(METRICS_OFF_TEXT);
  });

  it('is 401 with WWW-Authenticate without a token, with a wrong one, or another scheme; denials are audited once per window', async () => {
    for (const auth of [
      undefined,
      'Bearer nope',
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      `Bearer ${TOKEN.slice(1)}`,
    ]) {
      const res = await scrape(TOKEN, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="berth-metrics"');
      expect(await res.text()).not.toContain('berth_');
    }
    const audited = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'metrics.scrape'));
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ outcome: 'denied', ip: '203.0.113.9', reason: 'no bearer token' });
  });

  it('compares tokens without depending on their length', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN + TOKEN, TOKEN)).toBe(false);
  });

  it('exports monitor, FPM, release and process series from the stored rows', async () => {
    const res = await scrape(TOKEN, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const body = await res.text();
    if (process.env.BERTH_PRINT_METRICS) console.log(body);
    const m = parse(body);
    const mon = (name: string, id: string) => `{app="shop",kind="http",monitor="${name}",monitor_id="${id}"}`;
    expect(m.get(`berth_monitor_up${mon('shop-home', monitorIds.up!)}`)).toBe(1);
    expect(m.get(`berth_monitor_up${mon('shop-api', monitorIds.down!)}`)).toBe(0);
    expect(m.has(`berth_monitor_up${mon('shop-new', monitorIds.pending!)}`)).toBe(false);
    expect(m.has(`berth_monitor_up${mon('shop-paused', monitorIds.paused!)}`)).toBe(false);
    expect(m.get(`berth_monitor_latency_ms${mon('shop-home', monitorIds.up!)}`)).toBe(42);
    expect(m.has(`berth_monitor_latency_ms${mon('shop-api', monitorIds.down!)}`)).toBe(false);
    expect(m.has(`berth_monitor_latency_ms${mon('shop-paused', monitorIds.paused!)}`)).toBe(false); // stale while paused
    expect(m.get(`berth_monitor_uptime_ratio_24h${mon('shop-home', monitorIds.up!)}`)).toBe(0.75); // 3 of 4 minute-tier checks within 24 h
    expect(m.has(`berth_monitor_uptime_ratio_24h${mon('shop-new', monitorIds.pending!)}`)).toBe(false);

    const shop = '{app="shop",server="web-1"}';
    const api = '{app="api",server="web-1"}';
    expect(m.get(`berth_fpm_active_processes${shop}`)).toBe(2); // the newest sample, not the older active 9
    expect(m.get(`berth_fpm_idle_processes${shop}`)).toBe(3);
    expect(m.get(`berth_fpm_total_processes${shop}`)).toBe(5);
    expect(m.get(`berth_fpm_max_children_reached_total${shop}`)).toBe(4);
    expect(m.get(`berth_fpm_slow_requests_total${shop}`)).toBe(1);
    expect(m.get(`berth_fpm_accepted_conn_total${shop}`)).toBe(1234);
    expect(m.has(`berth_fpm_listen_queue${shop}`)).toBe(false); // unix socket: n/a
    expect(m.get(`berth_fpm_listen_queue${api}`)).toBe(6);

    expect(m.get('berth_releases_total{app="shop",status="succeeded"}')).toBe(2);
    expect(m.get('berth_releases_total{app="shop",status="failed"}')).toBe(1);
    expect(m.has('berth_releases_total{app="api",status="running"}')).toBe(false);
    expect(m.get('berth_release_seconds_total{app="shop",status="succeeded"}')).toBeCloseTo(80, 3);
    expect(m.get('berth_release_last_duration_seconds{app="shop",kind="deploy",status="failed"}')).toBeCloseTo(12, 3);
    expect(m.get('berth_releases_active{app="api"}')).toBe(1);

    expect(m.get('berth_up{}')).toBe(1);
    expect([...m.keys()].some((k) => k.startsWith('berth_build_info{node="v') && k.includes('version="0.'))).toBe(true);
    expect(m.get('berth_process_resident_memory_bytes{}')).toBeGreaterThan(10e6);
    expect(m.has('berth_process_cpu_seconds_total{}')).toBe(true);
    expect([...m.keys()].some((k) => k.startsWith('berth_nodejs_eventloop_lag_seconds'))).toBe(true);
  });

  it('exports each backup policy’s last success and last verified restore as unix timestamps (0: never)', async () => {
    const config = appConfigInput.parse({
      slug: 'billing',
      kind: 'php',
      domains: ['billing.test'],
      backups: [
        { name: 'daily', target: 'offsite' },
        { name: 'weekly', target: 'offsite', schedule: '0 2 * * 0' },
      ],
    });
    const billing = await insertApp(t.db, { slug: 'billing', name: 'billing', config }, []);
    const unix = (iso: string) => Date.parse(iso) / 1000;
    const run = (over: Partial<typeof backupRuns.$inferInsert>) => ({
      appId: billing.id,
      policy: 'daily',
      kind: 'backup' as const,
      targetName: 'offsite',
      status: 'succeeded' as const,
      ...over,
    });
    await t.db.insert(backupRuns).values([
      // The drill that proved this one restores set its restoreVerifiedAt.
      run({ finishedAt: new Date('2030-01-01T03:20:00Z'), restoreVerifiedAt: new Date('2030-01-05T04:31:00Z') }),
      run({ finishedAt: new Date('2030-01-02T03:20:00Z') }),
      run({ status: 'failed', finishedAt: new Date('2030-01-03T03:20:00Z') }), // a failure is not a success
      run({ kind: 'drill', finishedAt: new Date('2030-01-06T04:31:00Z') }), // drills are counted through their source backup
      run({ policy: 'removed', finishedAt: new Date('2030-01-04T03:20:00Z') }), // no longer configured: no series
    ]);
    const m = parse(await (await scrape(TOKEN, `Bearer ${TOKEN}`)).text());
    const daily = '{app="billing",policy="daily"}';
    const weekly = '{app="billing",policy="weekly"}';
    expect(m.get(`berth_backup_last_success_timestamp_seconds${daily}`)).toBe(unix('2030-01-02T03:20:00Z'));
    expect(m.get(`berth_backup_last_restore_verified_timestamp_seconds${daily}`)).toBe(unix('2030-01-05T04:31:00Z'));
    expect(m.get(`berth_backup_last_success_timestamp_seconds${weekly}`)).toBe(0);
    expect(m.get(`berth_backup_last_restore_verified_timestamp_seconds${weekly}`)).toBe(0);
    expect([...m.keys()].filter((k) => k.startsWith('berth_backup_')).sort()).toEqual(
      [
        `berth_backup_last_restore_verified_timestamp_seconds${daily}`,
        `berth_backup_last_restore_verified_timestamp_seconds${weekly}`,
        `berth_backup_last_success_timestamp_seconds${daily}`,
        `berth_backup_last_success_timestamp_seconds${weekly}`,
      ].sort(),
    );
  });

  it('leaves out FPM readings older than 5 minutes', async () => {
    await t.db.update(fpmSamples).set({ at: ago(10 * 60_000) });
    const m = parse(await (await scrape(TOKEN, `Bearer ${TOKEN}`)).text());
    expect([...m.keys()].filter((k) => k.startsWith('berth_fpm_'))).toEqual([]);
  });

  it('is served by the route handler with the token from the environment', async () => {
    const env = readEnv({ BERTH_METRICS_TOKEN: TOKEN });
    setRuntime({ env, client: t.client } as Runtime);
    try {
      expect((await GET(new Request('http://panel.test/api/metrics'))).status).toBe(401);
      const ok = await GET(new Request('http://panel.test/api/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^berth_up 1$/m);
    } finally {
      setRuntime(undefined);
    }
  });

  it('refuses a short or spaced BERTH_METRICS_TOKEN at start-up', () => {
    expect(() => readEnv({ BERTH_METRICS_TOKEN: 'short' })).toThrow(/at least 32 characters/);
    expect(() => readEnv({ BERTH_METRICS_TOKEN: `${'a'.repeat(32)} b` })).toThrow(/printable ASCII/);
    expect(readEnv({}).metricsToken).toBeUndefined();
  });
});

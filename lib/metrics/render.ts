import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '@/db';
import { latestFpmSamples } from '@/db/queries/fpm';
import { activeReleases, lastReleases, monitorMetrics, releaseCounts } from '@/db/queries/metrics';
import { addBackupMetrics } from '@/lib/backups/metrics';
import pkg from '@/package.json';

/** FPM readings older than this are not exported: a pool that stopped answering has no current value. */
export const FPM_FRESH_MS = 5 * 60_000;
const DAY_MS = 24 * 3_600_000;

/**
 * The panel's own process (RSS, CPU, heap, event loop lag): prom-client's default collectors,
 * registered once per process; they measure at scrape time.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'berth_' });
  }
  return processRegistry;
}

/**
 * One scrape: a fresh registry filled from a handful of grouped queries, so series of deleted
 * monitors or apps vanish instead of lingering in a long-lived registry.
 */
export async function renderMetrics(db: Db, now = new Date()): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const r = [registry];
  const [monitorRows, fpmRows, counts, last, active] = await Promise.all([
    monitorMetrics(db, new Date(now.getTime() - DAY_MS)),
    latestFpmSamples(db, new Date(now.getTime() - FPM_FRESH_MS)),
    releaseCounts(db),
    lastReleases(db),
    activeReleases(db),
  ]);

  new Gauge({ name: 'berth_up', help: 'The panel answers and its database is reachable.', registers: r }).set(1);
  new Gauge({
    name: 'berth_build_info',
    help: 'Berth version and Node.js version (always 1).',
    labelNames: ['version', 'node'],
    registers: r,
  }).set({ version: pkg.version, node: process.version }, 1);

  const up = new Gauge({
    name: 'berth_monitor_up',
    help: '1 when the monitor is up, 0 when down; absent while pending or paused.',
    labelNames: ['monitor', 'monitor_id', 'app', 'kind'],
    registers: r,
  });
  const latency = new Gauge({
    name: 'berth_monitor_latency_ms',
    help: 'Response time of the latest check, in milliseconds.',
    labelNames: ['monitor', 'monitor_id', 'app', 'kind'],
    registers: r,
  });
  const uptime = new Gauge({
    name: 'berth_monitor_uptime_ratio_24h',
    help: 'Share of successful checks over the last 24 hours (0..1).',
    labelNames: ['monitor', 'monitor_id', 'app', 'kind'],
    registers: r,
  });
  for (const m of monitorRows) {
    const labels = { monitor: m.name, monitor_id: m.id, app: m.app ?? '', kind: m.kind };
    if (!m.paused && (m.state === 'up' || m.state === 'down')) up.set(labels, m.state === 'up' ? 1 : 0);
    if (!m.paused && m.lastLatencyMs !== null) latency.set(labels, m.lastLatencyMs);
    if (m.checks24h > 0) uptime.set(labels, (m.checks24h - m.failures24h) / m.checks24h);
  }

  const fpmLabels = ['app', 'server'];
  const fpmGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: fpmLabels, registers: r });
  // FPM's own cumulative counters: they restart at 0 when the pool restarts, which rate() handles.
  const fpmCounter = (name: string, help: string) => new Counter({ name, help, labelNames: fpmLabels, registers: r });
  const activeG = fpmGauge('berth_fpm_active_processes', 'PHP-FPM workers serving a request (the status request itself included).');
  const idleG = fpmGauge('berth_fpm_idle_processes', 'PHP-FPM workers waiting for a request.');
  const totalG = fpmGauge('berth_fpm_total_processes', 'PHP-FPM workers in the pool.');
  const queueG = fpmGauge('berth_fpm_listen_queue', 'Requests waiting for a free worker (TCP pools only: FPM reports 0 on unix sockets).');
  const reachedC = fpmCounter('berth_fpm_max_children_reached_total', 'Times the pool hit pm.max_children since it started.');
  const slowC = fpmCounter('berth_fpm_slow_requests_total', 'Requests slower than request_slowlog_timeout since the pool started.');
  const acceptedC = fpmCounter('berth_fpm_accepted_conn_total', 'Requests the pool accepted since it started.');
  for (const f of fpmRows) {
    const labels = { app: f.app, server: f.server };
    activeG.set(labels, f.active);
    idleG.set(labels, f.idle);
    totalG.set(labels, f.total);
    if (f.listenQueue !== null) queueG.set(labels, f.listenQueue);
    reachedC.inc(labels, f.maxChildrenReached);
    slowC.inc(labels, f.slowRequests);
    acceptedC.inc(labels, f.acceptedConn);
  }

  const releasesC = new Counter({
    name: 'berth_releases_total',
    help: 'Finished releases (deploys and rollbacks) by outcome.',
    labelNames: ['app', 'status'],
    registers: r,
  });
  const secondsC = new Counter({
    name: 'berth_release_seconds_total',
    help: 'Time finished releases took, started to finished; divide by berth_releases_total for the mean.',
    labelNames: ['app', 'status'],
    registers: r,
  });
  for (const c of counts) {
    releasesC.inc({ app: c.app, status: c.status }, c.releases);
    secondsC.inc({ app: c.app, status: c.status }, Math.max(0, c.seconds));
  }
  const lastG = new Gauge({
    name: 'berth_release_last_duration_seconds',
    help: "Duration of the app's most recently finished release.",
    labelNames: ['app', 'kind', 'status'],
    registers: r,
  });
  for (const l of last) lastG.set({ app: l.app, kind: l.kind, status: l.status }, Math.max(0, l.seconds));
  const activeG2 = new Gauge({ name: 'berth_releases_active', help: 'Releases queued or running now.', labelNames: ['app'], registers: r });
  for (const a of active) activeG2.set({ app: a.app }, a.releases);

  await addBackupMetrics(db, r);

  const merged = Registry.merge([processMetrics(), registry]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}

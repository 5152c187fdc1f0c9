import type { Db } from '@/db';
import { appMonitors, fpmBuckets, releasesInWindow, responseBuckets, uptimeOfApp } from '@/db/queries/dashboard';
import { serversOfApp } from '@/db/queries/apps';
import { fpmNow, openIncidentsOfApp } from '@/db/queries/dashboard-panel';
import { fpmHourlyMaxChildren } from '@/db/queries/fpm';
import type { App } from '@/db/schema';
import { tuningHint } from '@/lib/fpm/hint';
import { rollbackTargets } from '@/lib/releases/rollback-targets';
import { releaseMarkers } from './markers';
import { chartWindow, type Range } from './range';
import { fpmSeries, responseSeries } from './series';

/**
 * The response-time chart and the uptime figures: three queries whatever the number of
 * monitors (the monitors, the chart's buckets, the uptime sums). bench/dashboard-query.ts
 * times exactly this.
 */
export async function responseChart(db: Db, appId: string, range: Range, now: Date) {
  const w = chartWindow(range, now);
  const monitors = await appMonitors(db, appId);
  const rows = await responseBuckets(db, appId, w);
  const uptime = await uptimeOfApp(db, appId, now);
  return { window: w, monitors, uptime, ...responseSeries(w, monitors, rows) };
}

/** Everything the per-app dashboard shows, for one range. */
export async function loadDashboard(db: Db, app: App, range: Range, now: Date) {
  const response = await responseChart(db, app.id, range, now);
  const w = response.window;
  // Sequential on purpose: PGlite runs one query at a time anyway, and on Postgres these are a
  // few milliseconds each (a Promise.all would hold several pool connections per page view).
  const fpm = fpmSeries(w, await fpmBuckets(db, app.id, w));
  const markers = releaseMarkers(app.id, await releasesInWindow(db, app.id, w));
  const incidents = await openIncidentsOfApp(db, app.id);
  // The rollback rule the app page and the API read too: the card never offers what they refuse.
  const current = await rollbackTargets(db, app.id);
  const { pool } = app.config;
  const php = app.config.kind === 'php';
  const pools = php ? await fpmNow(db, app.id) : [];
  // The FPM helper's rule (lib/fpm/hint.ts): the same hint wherever it is shown.
  const hint = php
    ? tuningHint({
        slug: app.config.slug,
        maxChildren: pool.maxChildren,
        memoryLimitMb: pool.memoryLimitMb,
        buckets: await fpmHourlyMaxChildren(db, app.id, new Date(now.getTime() - 24 * 3_600_000)),
        servers: (await serversOfApp(db, app.id)).map((s) => ({ id: s.id, name: s.name, memoryMb: s.facts?.memoryMb ?? null })),
        now,
      })
    : null;
  return { response, fpm, markers, incidents, pools, current, maxChildren: pool.maxChildren, hint: hint?.text ?? null };
}

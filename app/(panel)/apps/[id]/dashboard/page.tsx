import { Suspense } from 'react';
import { FpmChart } from '@/components/charts/fpm-chart';
import { ResponseChart } from '@/components/charts/response-chart';
import { CurrentReleaseCard } from '@/components/dashboard/current-release-card';
import { FpmPools, TuningHint } from '@/components/dashboard/fpm-pools';
import { IncidentsCard } from '@/components/dashboard/incidents-card';
import { RangeTabs } from '@/components/dashboard/range-tabs';
import { UptimeCard } from '@/components/dashboard/uptime-card';
import { LiveRefresh } from '@/components/live-refresh';
import { Card } from '@/components/ui/card';
import { db } from '@/db';
import { firstCheckAt } from '@/db/queries/dashboard';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { loadDashboard } from '@/lib/dashboard/load';
import { parseRange, RANGE_SPECS } from '@/lib/dashboard/range';
import { appOf } from '../app-of';
import { TabHeader } from '../tab-header';
import { fittingRange } from '@/components/dashboard/fitting-range';
import { OpcacheSection } from './opcache-section';

/** How often the open page re-reads its data: the checks' own pace (rollups move every minute). */
const REFRESH_MS = 15_000;

/** The per-app health dashboard. Every signed-in user may view it; rolling back needs a deployer. */
export default async function AppDashboardPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser();
  const app = await appOf((await params).id);
  const asked = (await searchParams).range;
  const now = new Date();
  // No range in the URL: the one that fits the app's data (a new app is not squeezed into 24 h).
  const range = asked === undefined ? fittingRange(await firstCheckAt(db(), { appId: app.id }), now) : parseRange(asked);
  const d = await loadDashboard(db(), app, range, now);
  const { window: w } = d.response;
  const base = `/apps/${app.id}/dashboard`;
  const span = { range, start: w.start.getTime(), end: w.end.getTime() };
  const per = w.bucketS >= 3600 ? 'hour' : w.bucketS === 60 ? 'minute' : `${w.bucketS / 60} minutes`;
  return (
    <>
      <LiveRefresh active ms={REFRESH_MS} />
      <TabHeader
        title="Health"
        description={`Last ${RANGE_SPECS[range].label}, one point per ${per}. Refreshes every ${REFRESH_MS / 1000} s.`}
        actions={<RangeTabs base={base} current={range} />}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <UptimeCard monitors={d.response.monitors} uptime={d.response.uptime} />
        </div>
        <CurrentReleaseCard appId={app.id} current={d.current} canDeploy={hasRole(user.role, 'deployer')} />
        <div className="lg:col-span-2">
          <Card
            title="Response time"
            description="Average per point, one line per monitor; failed checks in red; releases as vertical lines."
          >
            <ResponseChart {...span} lines={d.response.lines} points={d.response.points} markers={d.markers} />
          </Card>
        </div>
        <IncidentsCard incidents={d.incidents} />
        {app.config.kind === 'php' && (
          <div className="lg:col-span-2">
            <Card title="PHP-FPM" description="Busy and idle children; red bars when the pool hit max_children.">
              <FpmChart {...span} points={d.fpm} markers={d.markers} maxChildren={d.maxChildren} />
              <TuningHint hint={d.hint} />
              <FpmPools pools={d.pools} />
            </Card>
          </div>
        )}
        {app.config.kind === 'php' && (
          <Card
            title="OPcache"
            description="Memory of each server's php-fpm (shared by its pools) and this app's cached scripts per release."
          >
            <Suspense fallback={<p className="text-xs text-slate-500">Reading OPcache…</p>}>
              <OpcacheSection app={app} />
            </Suspense>
          </Card>
        )}
      </div>
    </>
  );
}

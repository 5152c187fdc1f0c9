import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { AutoMonitorForm } from '@/components/monitors/auto-monitor-form';
import { IncidentList } from '@/components/monitors/incident-list';
import { MonitorControls } from '@/components/monitors/monitor-controls';
import { fittingRange } from '@/components/dashboard/fitting-range';
import { MonitorChart } from '@/components/monitors/monitor-chart';
import { MonitorForm } from '@/components/monitors/monitor-form';
import { ResultsTable } from '@/components/monitors/results-table';
import { MonitorStateBadge } from '@/components/monitors/state-badge';
import { Card, PageHeader } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import { db } from '@/db';
import { recentResults } from '@/db/queries/check-results';
import { firstCheckAt, releasesInWindow, responseBuckets } from '@/db/queries/dashboard';
import { incidentsOf } from '@/db/queries/incidents';
import { findMonitor } from '@/db/queries/monitors';
import type { Monitor } from '@/db/schema';
import { releaseMarkers } from '@/lib/dashboard/markers';
import { chartWindow, parseRange } from '@/lib/dashboard/range';
import { responseSeries } from '@/lib/dashboard/series';
import { hasRole } from '@/lib/auth/roles';
import type { Metadata } from 'next';
import { currentUser, requireUser } from '@/lib/auth/session';
import { revealHeartbeatUrl } from '@/lib/monitors/heartbeat';
import { getRuntime } from '@/lib/runtime';

/** A time with seconds in the reader's zone (checks run every few seconds). */
const when = (d: Date | null) => <Time value={d} seconds fallback="never" />;

/**
 * The response-time chart's data: the range the URL asks for, else the one the monitor's data fits;
 * the same rollups and series as the app dashboard, with the app's releases marked.
 */
async function chartOf(m: Monitor, asked: unknown, now: Date) {
  const range = asked === undefined ? fittingRange(await firstCheckAt(db(), { monitorId: m.id }), now) : parseRange(asked);
  const window = chartWindow(range, now);
  const line = { ...m, serverName: null };
  const series = responseSeries(window, [line], await responseBuckets(db(), { monitorId: m.id }, window));
  const markers = m.appId ? releaseMarkers(m.appId, await releasesInWindow(db(), m.appId, window)) : [];
  return { window, markers, ...series };
}

/** "<monitor name> · Berth"; the name only for a signed-in reader (the layout sends the rest to sign in). */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  // Signed out: the layout sends the reader to sign in; nothing is looked up for them.
  if (!(await currentUser())) return {};
  const id = z.uuid().safeParse((await params).id);
  const monitor = id.success ? await findMonitor(db(), id.data) : undefined;
  // The not-found page's own title ("Not found · Berth"), as the page itself answers 404.
  if (!monitor) notFound();
  return { title: monitor.name };
}

export default async function MonitorPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const m = id.success ? await findMonitor(db(), id.data) : undefined;
  if (!m) notFound();
  const [results, incidents] = await Promise.all([recentResults(db(), m.id, 50), incidentsOf(db(), m.id, 20)]);
  const canEdit = hasRole(user.role, 'admin');
  const runtime = getRuntime();
  const pingUrl = canEdit && m.kind === 'heartbeat' ? revealHeartbeatUrl(runtime.keyRing, runtime.env.publicUrl, m) : null;

  const config: Array<[string, React.ReactNode]> =
    m.kind === 'http'
      ? [
          [
            'URL',
            <span key="u" className="break-all font-mono text-xs" data-testid="monitor-url-value">
              {m.method} {m.url}
            </span>,
          ],
          ...(m.resolveTo ? ([['Connects to', m.resolveTo]] as Array<[string, string]>) : []),
          ['Interval', `${m.intervalS} s`],
          ['Timeout', `${m.timeoutMs} ms`],
          ['Expected status', m.expectedStatus],
          ['Keyword', m.keyword ?? '–'],
          ['Retries before down', String(m.retries)],
        ]
      : [
          ['Expected every', `${m.intervalS} s`],
          ['Grace', `${m.graceS} s`],
          ['Last ping', when(m.lastPingAt)],
        ];

  return (
    <>
      <PageHeader
        title={m.name}
        description={
          m.autoKey
            ? 'Berth keeps this check in step with the app’s domains and web servers.'
            : m.kind === 'http'
              ? 'HTTP(S) check'
              : 'Heartbeat monitor'
        }
        actions={
          <div className="flex items-center gap-3">
            <MonitorStateBadge state={m.state} />
            {canEdit && <MonitorControls id={m.id} paused={m.paused} canDelete={!m.autoKey} />}
          </div>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        {m.kind === 'http' && (
          <div className="min-w-0 lg:col-span-2">
            <MonitorChart monitorId={m.id} {...(await chartOf(m, (await searchParams).range, new Date()))} />
          </div>
        )}
        <Card title="Status">
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500">State</dt>
            <dd>
              {m.state} since {when(m.stateChangedAt)}
            </dd>
            <dt className="text-slate-500">Last check</dt>
            <dd>{when(m.lastCheckedAt)}</dd>
            <dt className="text-slate-500">Latency</dt>
            <dd>{m.lastLatencyMs === null ? '–' : `${m.lastLatencyMs} ms`}</dd>
            {m.lastError && (
              <>
                <dt className="text-slate-500">Last error</dt>
                <dd className="text-red-700" data-testid="monitor-last-error">
                  {m.lastError}
                </dd>
              </>
            )}
            {m.appId && (
              <>
                <dt className="text-slate-500">App</dt>
                <dd>
                  <Link href={`/apps/${m.appId}`} className="text-indigo-700 hover:underline">
                    open the app
                  </Link>
                </dd>
              </>
            )}
          </dl>
        </Card>
        <Card title="Configuration">
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            {config.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          {pingUrl && (
            <div className="mt-4">
              <p className="text-sm font-medium">Ping URL (keep it secret)</p>
              <code className="mt-1 block break-all rounded bg-slate-50 p-2 text-xs ring-1 ring-slate-200" data-testid="heartbeat-url">
                {pingUrl}
              </code>
              <p className="mt-1 text-xs text-slate-500">
                GET or POST, e.g. <code>curl -fsS {'<url>'}</code> at the end of the job.
              </p>
            </div>
          )}
        </Card>
        {canEdit && (
          <div className="lg:col-span-2">
            <Card title="Edit">
              {m.autoKey ? (
                <AutoMonitorForm id={m.id} intervalS={m.intervalS} timeoutMs={m.timeoutMs} retries={m.retries} paused={m.paused} />
              ) : (
                <MonitorForm
                  initial={{
                    id: m.id,
                    kind: m.kind,
                    name: m.name,
                    url: m.url ?? '',
                    method: m.method,
                    intervalS: m.intervalS,
                    timeoutMs: m.timeoutMs,
                    expectedStatus: m.expectedStatus,
                    keyword: m.keyword ?? '',
                    retries: m.retries,
                    graceS: m.graceS,
                    paused: m.paused,
                  }}
                />
              )}
            </Card>
          </div>
        )}
        <Card title="Incidents" description="Opened when the monitor goes down, closed when it is up again.">
          <IncidentList incidents={incidents} />
        </Card>
        <Card title="Recent results" description="The last 50 checks, newest first.">
          <ResultsTable results={results} />
        </Card>
      </div>
    </>
  );
}

import Link from 'next/link';
import { MonitorForm } from '@/components/monitors/monitor-form';
import { MonitorStateBadge } from '@/components/monitors/state-badge';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { uptimeSince } from '@/db/queries/check-results';
import { listMonitorsWithNames } from '@/db/queries/monitors';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Monitors' };

const ago = (d: Date | null) => {
  if (!d) return 'never';
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

export default async function MonitorsPage() {
  const user = await requireUser();
  const [monitors, uptime] = await Promise.all([listMonitorsWithNames(db()), uptimeSince(db(), new Date(Date.now() - 24 * 3_600_000))]);
  const canEdit = hasRole(user.role, 'admin');
  return (
    <>
      <PageHeader title="Monitors" description="Uptime checks: HTTP(S) probes from the panel, and heartbeats that your jobs ping." />
      <div className="space-y-6">
        {monitors.length === 0 ? (
          <EmptyState title="No monitors yet">
            Each app domain gets a check automatically once the app is on a web server. Add your own below.
          </EmptyState>
        ) : (
          <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table className="w-full text-left text-sm" data-testid="monitor-list">
              <thead className="text-xs text-slate-500">
                <tr>
                  {['Name', 'Kind', 'App', 'State', 'Last check', 'Latency', 'Uptime 24 h'].map((h) => (
                    <th key={h} className="px-4 py-2 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {monitors.map((m) => {
                  const u = uptime.get(m.id);
                  const pct = u && u.checks > 0 ? `${((100 * (u.checks - u.failures)) / u.checks).toFixed(2)} %` : '–';
                  return (
                    <tr key={m.id} data-testid="monitor-row" data-monitor-id={m.id}>
                      <td className="px-4 py-2">
                        <Link href={`/monitors/${m.id}`} className="font-medium text-indigo-700 hover:underline">
                          {m.name}
                        </Link>
                        {m.autoKey && <span className="ml-2 text-xs text-slate-500">auto</span>}
                      </td>
                      <td className="px-4 py-2">{m.kind === 'http' ? 'HTTP' : 'heartbeat'}</td>
                      <td className="px-4 py-2">
                        {m.appId ? (
                          <Link href={`/apps/${m.appId}`} className="hover:underline">
                            {m.appName}
                          </Link>
                        ) : (
                          '–'
                        )}
                      </td>
                      <td className="px-4 py-2">
                        <MonitorStateBadge state={m.state} />
                      </td>
                      <td className="px-4 py-2 text-slate-600">{ago(m.lastCheckedAt)}</td>
                      <td className="px-4 py-2">{m.lastLatencyMs === null ? '–' : `${m.lastLatencyMs} ms`}</td>
                      <td className="px-4 py-2" data-testid="monitor-uptime">
                        {pct}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {canEdit && (
          <Card
            title="Add monitor"
            description="HTTP checks run from the panel every interval; a heartbeat is down when no ping arrives within its period and grace."
          >
            <MonitorForm />
          </Card>
        )}
      </div>
    </>
  );
}

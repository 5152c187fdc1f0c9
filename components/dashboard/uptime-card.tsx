import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { AppMonitor, MonitorUptime } from '@/db/queries/dashboard';
import { monitorLabel } from '@/lib/dashboard/series';
import { appStatus, formatPct, sumUptime, uptimePct, worstState } from '@/lib/dashboard/status';

const STATE_TONE = { up: 'good', down: 'bad', pending: 'warn', paused: 'neutral' } as const;
const WINDOWS = [
  ['day', '24h', '24 h'],
  ['week', '7d', '7 d'],
  ['month', '30d', '30 d'],
] as const;

/** The app's status (worst monitor state), its uptime over 24 h / 7 d / 30 d, and each monitor's. */
export function UptimeCard({ monitors, uptime }: { monitors: AppMonitor[]; uptime: MonitorUptime[] }) {
  const worst = worstState(monitors);
  const status = appStatus(worst);
  const byId = new Map(uptime.map((u) => [u.monitorId, u]));
  return (
    <Card title="Uptime">
      <div className="flex flex-wrap items-center gap-6">
        <div data-testid="dashboard-status" data-status={worst ?? 'none'} className="text-lg">
          <Badge tone={status.tone}>{status.label}</Badge>
        </div>
        {WINDOWS.map(([key, id, label]) => {
          const pct = uptimePct(sumUptime(uptime.map((u) => u[key])));
          return (
            <div key={id} data-testid={`uptime-${id}`} data-value={pct ?? ''}>
              <p className="text-xs uppercase tracking-wide text-slate-500">{label}</p>
              <p className={`text-xl font-semibold ${pct !== null && pct < 99 ? 'text-red-700' : ''}`}>{formatPct(pct)}</p>
            </div>
          );
        })}
      </div>
      {monitors.length > 0 && (
        <table className="mt-4 w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="py-1 pr-2 font-medium">Monitor</th>
              <th className="py-1 pr-2 font-medium">State</th>
              <th className="py-1 pr-2 font-medium">Last</th>
              <th className="py-1 pr-2 font-medium">24 h</th>
              <th className="py-1 pr-2 font-medium">7 d</th>
              <th className="py-1 font-medium">30 d</th>
            </tr>
          </thead>
          <tbody>
            {monitors.map((m) => {
              const u = byId.get(m.id);
              return (
                <tr key={m.id} className="border-t border-slate-100" data-testid="dashboard-monitor">
                  <td className="py-1 pr-2">
                    <a className="text-indigo-700 hover:underline" href={`/monitors/${m.id}`}>
                      {monitorLabel(m)}
                    </a>
                  </td>
                  <td className="py-1 pr-2">
                    <Badge tone={STATE_TONE[m.paused ? 'paused' : m.state]}>{m.paused ? 'paused' : m.state}</Badge>
                  </td>
                  <td className="py-1 pr-2 text-xs" title={m.lastError ?? undefined}>
                    {m.lastLatencyMs != null ? `${m.lastLatencyMs} ms` : m.lastError ? 'error' : '—'}
                  </td>
                  {WINDOWS.map(([key, id]) => (
                    <td key={id} className="py-1 pr-2 tabular-nums">
                      {formatPct(u ? uptimePct(u[key]) : null)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}

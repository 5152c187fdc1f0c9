import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import type { OverviewApp, OverviewServer, OverviewSort } from '@/db/queries/dashboard-overview';
import { ago, appStatus, formatPct, serverHealth, uptimePct } from '@/lib/dashboard/status';
import { RELEASE_TONE } from '@/components/ui/status-tones';

/** A column header that sorts the page by it (a plain link: the sort is done in SQL on the server). */
function SortHeader({ sort, current, children }: { sort: OverviewSort; current: OverviewSort; children: React.ReactNode }) {
  return (
    <th className="py-2 pr-3 font-medium" aria-sort={sort === current ? (sort === 'name' ? 'ascending' : 'other') : undefined}>
      <Link
        href={`/?sort=${sort}`}
        data-testid={`sort-${sort}`}
        className={sort === current ? 'text-slate-900 underline' : 'text-indigo-700 hover:underline'}
      >
        {children}
        {sort === current ? ' ▾' : ''}
      </Link>
    </th>
  );
}

export function AppsTable({ apps, sort, now }: { apps: OverviewApp[]; sort: OverviewSort; now: Date }) {
  return (
    // Scrolls inside its card on a phone instead of widening the page.
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="overview-apps">
        <thead className="text-xs text-slate-500">
          <tr>
            <SortHeader sort="name" current={sort}>
              App
            </SortHeader>
            <SortHeader sort="status" current={sort}>
              Status
            </SortHeader>
            <SortHeader sort="uptime" current={sort}>
              Uptime 24 h
            </SortHeader>
            <SortHeader sort="release" current={sort}>
              Last release
            </SortHeader>
          </tr>
        </thead>
        <tbody>
          {apps.map((a) => {
            const status = appStatus(a.worst);
            const r = a.release;
            return (
              <tr
                key={a.id}
                className="border-t border-slate-100"
                data-testid="overview-app"
                data-slug={a.slug}
                data-status={a.worst ?? 'none'}
              >
                <td className="py-2 pr-3">
                  <Link href={`/apps/${a.id}/dashboard`} className="font-medium text-indigo-700 hover:underline">
                    {a.name}
                  </Link>
                  <span className="ml-2 text-xs text-slate-500">{a.slug}</span>
                </td>
                <td className="py-2 pr-3">
                  <Badge tone={status.tone}>{status.label}</Badge>
                  {a.monitors > 0 && (
                    <span className="ml-1 text-xs text-slate-500">
                      {a.monitors} monitor{a.monitors === 1 ? '' : 's'}
                    </span>
                  )}
                </td>
                <td className="py-2 pr-3 tabular-nums">{formatPct(uptimePct(a.uptime24h))}</td>
                <td className="py-2 pr-3">
                  {r ? (
                    <>
                      <Link href={`/apps/${a.id}/releases/${r.id}`} className="font-mono text-indigo-700 hover:underline">
                        {r.kind === 'deploy' ? `#${r.number}` : `↩ ${r.ref}`}
                      </Link>{' '}
                      <Badge tone={RELEASE_TONE[r.status]}>{r.status.replace('_', ' ')}</Badge>{' '}
                      <span className="text-xs text-slate-500">{ago(r.at, now)}</span>
                    </>
                  ) : (
                    <span className="text-xs text-slate-500">never deployed</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ServersTable({ servers, sort, now }: { servers: OverviewServer[]; sort: OverviewSort; now: Date }) {
  return (
    // Scrolls inside its card on a phone instead of widening the page.
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="overview-servers">
        <thead className="text-xs text-slate-500">
          <tr>
            <SortHeader sort="name" current={sort}>
              Server
            </SortHeader>
            <SortHeader sort="status" current={sort}>
              Status
            </SortHeader>
            <th className="py-2 pr-3 font-medium">Load · memory</th>
            <th className="py-2 pr-3 font-medium">Apps</th>
          </tr>
        </thead>
        <tbody>
          {servers.map((s) => {
            const health = serverHealth(s);
            return (
              <tr key={s.id} className="border-t border-slate-100" data-testid="overview-server" data-name={s.name} data-rank={s.rank}>
                <td className="py-2 pr-3">
                  <Link href={`/servers/${s.id}`} className="font-medium text-indigo-700 hover:underline">
                    {s.name}
                  </Link>
                  <span className="ml-2 text-xs text-slate-500">{s.host}</span>
                </td>
                <td className="py-2 pr-3" title={s.lastError ?? undefined}>
                  <Badge tone={health.tone}>{health.label}</Badge>
                  {s.lastSeenAt && <span className="ml-1 text-xs text-slate-500">seen {ago(s.lastSeenAt, now)}</span>}
                </td>
                <td className="py-2 pr-3 tabular-nums">
                  {s.sample ? `${s.sample.load1.toFixed(2)} · ${s.sample.memoryUsedPct.toFixed(0)} %` : '—'}
                </td>
                <td className="py-2 pr-3 tabular-nums">{s.apps}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

import { Card } from '@/components/ui/card';
import type { OpenIncident } from '@/db/queries/dashboard-panel';
import { monitorLabel } from '@/lib/dashboard/series';
import { ago } from '@/lib/dashboard/status';

export function IncidentsCard({ incidents, now }: { incidents: OpenIncident[]; now: Date }) {
  return (
    <Card title="Open incidents">
      {incidents.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="no-incidents">
          None: every monitor of this app is up or was never down.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {incidents.map((i) => (
            <li key={i.id} data-testid="incident-row" className="py-2">
              <a href={`/monitors/${i.monitorId}`} className="font-medium text-indigo-700 hover:underline">
                {monitorLabel({ name: i.monitorName, serverName: i.serverName })}
              </a>
              <span className="text-red-700"> · {i.cause}</span>
              <p className="text-xs text-slate-500">
                since {i.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC ({ago(i.startedAt, now)})
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

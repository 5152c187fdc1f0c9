import { Card } from '@/components/ui/card';
import type { OpenIncident } from '@/db/queries/dashboard-panel';
import { monitorLabel } from '@/lib/dashboard/series';
import { Time } from '@/components/ui/time';

export function IncidentsCard({ incidents }: { incidents: OpenIncident[] }) {
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
                since <Time value={i.startedAt} /> (<Time value={i.startedAt} format="relative" />)
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

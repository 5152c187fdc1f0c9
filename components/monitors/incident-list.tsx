import type { Incident } from '@/db/schema';

const time = (d: Date | string) => new Date(d).toISOString().replace('T', ' ').slice(0, 19);

function duration(from: Date, to: Date): string {
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function IncidentList({ incidents }: { incidents: Incident[] }) {
  if (incidents.length === 0) return <p className="text-sm text-slate-600">No incidents.</p>;
  return (
    <ul className="space-y-3" data-testid="monitor-incidents">
      {incidents.map((inc) => (
        <li key={inc.id} className="rounded-md p-3 ring-1 ring-slate-200" data-testid="monitor-incident" data-open={inc.endedAt === null}>
          <p className="text-sm">
            <span className={inc.endedAt ? 'text-slate-700' : 'font-medium text-red-700'}>{inc.endedAt ? 'Resolved' : 'Ongoing'}</span>
            {' · '}
            {time(inc.startedAt)} UTC{inc.endedAt && ` · lasted ${duration(inc.startedAt, inc.endedAt)}`}
          </p>
          <p className="mt-1 text-sm text-slate-800">{inc.cause}</p>
          <ol className="mt-2 space-y-0.5 border-l-2 border-slate-200 pl-3 text-xs text-slate-600">
            {inc.timeline.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the timeline is append-only and its events carry no id, so a position always names the same event
              <li key={i} data-testid="incident-event" data-event={e.event}>
                <span className="font-mono">{time(e.at)}</span> {e.event}: {e.detail}
              </li>
            ))}
          </ol>
        </li>
      ))}
    </ul>
  );
}

import type { AuditEvent } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';

const OUTCOME_TONE: Record<AuditEvent['outcome'], Tone> = { success: 'good', failure: 'warn', denied: 'bad' };

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="px-3 py-2">
              When (UTC)
            </th>
            <th scope="col" className="px-3 py-2">
              Who
            </th>
            <th scope="col" className="px-3 py-2">
              Action
            </th>
            <th scope="col" className="px-3 py-2">
              Target
            </th>
            <th scope="col" className="px-3 py-2">
              Outcome
            </th>
            <th scope="col" className="px-3 py-2">
              Reason
            </th>
            <th scope="col" className="px-3 py-2">
              From
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">{e.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td className="px-3 py-2">{e.actorEmail ?? '—'}</td>
              <td className="px-3 py-2 font-mono text-xs">{e.action}</td>
              <td className="px-3 py-2 font-mono text-xs">{e.target ?? ''}</td>
              <td className="px-3 py-2">
                <Badge tone={OUTCOME_TONE[e.outcome]}>{e.outcome}</Badge>
              </td>
              <td className="px-3 py-2 text-slate-600">{e.reason ?? ''}</td>
              <td className="px-3 py-2 text-slate-500">{e.ip ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

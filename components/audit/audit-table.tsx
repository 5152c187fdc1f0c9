import { AuditTarget } from '@/components/audit/audit-target';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import type { AuditTargetName } from '@/db/queries/audit';
import type { AuditEvent } from '@/db/schema';
import type { Tone } from '@/lib/model/tone';

const OUTCOME_TONE: Record<AuditEvent['outcome'], Tone> = { success: 'good', failure: 'warn', denied: 'bad' };

const TH = 'px-3 py-2';

/**
 * The audit trail. It scrolls inside its card on a narrow screen; long reasons wrap (up to a
 * width) and long emails and targets are cut with the whole text on hover, so no row pushes the
 * outcome off-screen.
 */
export function AuditTable({ events, targets }: { events: AuditEvent[]; targets: Map<string, AuditTargetName> }) {
  return (
    <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200" data-testid="audit-table">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs uppercase text-slate-500">
          <tr>
            {['When', 'Who', 'Action', 'Target', 'Outcome', 'Reason', 'From'].map((h) => (
              <th key={h} scope="col" className={TH}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => (
            <tr key={e.id} data-testid="audit-row" className="align-top">
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                <Time value={e.at} seconds />
              </td>
              <td className="px-3 py-2">
                <span className="block max-w-48 truncate" title={e.actorEmail ?? undefined}>
                  {e.actorEmail ?? '—'}
                </span>
              </td>
              <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{e.action}</td>
              <td className="px-3 py-2">
                <AuditTarget target={e.target} named={e.target ? targets.get(e.target) : undefined} />
              </td>
              <td className="px-3 py-2">
                <Badge tone={OUTCOME_TONE[e.outcome]}>{e.outcome}</Badge>
              </td>
              <td className="min-w-40 max-w-xs px-3 py-2 text-slate-600">
                <span className="line-clamp-3 break-words" title={e.reason ?? undefined}>
                  {e.reason ?? ''}
                </span>
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-500">{e.ip ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

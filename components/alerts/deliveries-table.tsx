import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import type { Tone } from '@/lib/model/tone';
import type { DeliveryStatus } from '@/lib/model/notifications';

export type DeliveryLine = {
  id: string;
  type: string;
  /** A "Send test" from a channel, not an alert. */
  test: boolean;
  title: string;
  channelName: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastError: string | null;
};

const TONE: Record<DeliveryStatus, Tone> = { pending: 'warn', sent: 'good', failed: 'bad', suppressed: 'neutral' };
const when = (iso: string | null) => <Time value={iso} seconds fallback="" />;

/** The newest deliveries: what was sent where, what is waiting for a retry and why, what was held back as a repeat. */
export function DeliveriesTable({ rows }: { rows: DeliveryLine[] }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600">Nothing sent yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm" data-testid="deliveries">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-4">Queued</th>
            <th className="py-2 pr-4">Event</th>
            <th className="py-2 pr-4">Channel</th>
            <th className="py-2 pr-4">Status</th>
            <th className="py-2 pr-4">Attempts</th>
            <th className="py-2 pr-4">Next attempt</th>
            <th className="py-2">Last error</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr
              key={r.id}
              data-testid={`delivery-${r.id}`}
              data-status={r.status}
              data-event={r.type}
              data-channel={r.channelName}
              data-test-send={r.test || undefined}
            >
              <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">{when(r.createdAt)}</td>
              <td className="py-2 pr-4">
                {r.test ? <Badge tone="neutral">test send</Badge> : <span className="font-mono text-xs">{r.type}</span>}
                <p className="text-xs text-slate-500">{r.title}</p>
              </td>
              <td className="py-2 pr-4">{r.channelName}</td>
              <td className="py-2 pr-4" data-testid="delivery-status">
                <Badge tone={TONE[r.status]}>{r.status}</Badge>
              </td>
              <td className="py-2 pr-4" data-testid="delivery-attempts">
                {r.attempts}
              </td>
              <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">{r.status === 'pending' ? when(r.nextAttemptAt) : ''}</td>
              <td className="max-w-md break-words py-2 text-xs text-red-700" data-testid="delivery-error">
                {r.lastError}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

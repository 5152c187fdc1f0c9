import type { FpmNow } from '@/db/queries/dashboard-panel';
import { Time } from '@/components/ui/time';

/** Each server's pool right now. The listen queue is n/a: Berth's pools listen on unix sockets, where FPM always reports 0. */
export function FpmPools({ pools }: { pools: FpmNow[] }) {
  if (pools.length === 0) return <p className="mt-3 text-xs text-slate-500">No FPM samples yet.</p>;
  return (
    <table className="mt-3 w-full text-left text-xs">
      <thead className="text-slate-500">
        <tr>
          <th className="py-1 pr-2 font-medium">Server</th>
          <th className="py-1 pr-2 font-medium">Active</th>
          <th className="py-1 pr-2 font-medium">Idle</th>
          <th className="py-1 pr-2 font-medium">Total</th>
          <th className="py-1 pr-2 font-medium">Listen queue</th>
          <th className="py-1 font-medium">Sampled</th>
        </tr>
      </thead>
      <tbody>
        {pools.map((p) => (
          <tr key={p.serverId} className="border-t border-slate-100" data-testid="fpm-pool">
            <td className="py-1 pr-2">{p.serverName}</td>
            <td className="py-1 pr-2 tabular-nums">{p.active}</td>
            <td className="py-1 pr-2 tabular-nums">{p.idle}</td>
            <td className="py-1 pr-2 tabular-nums">{p.total}</td>
            <td
              className="py-1 pr-2"
              data-testid="listen-queue"
              title={p.listenQueue === null ? 'unix socket: FPM always reports 0 there' : undefined}
            >
              {p.listenQueue === null ? 'n/a' : p.listenQueue}
            </td>
            <td className="py-1 text-slate-500">
              <Time value={p.at} format="relative" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TuningHint({ hint }: { hint: string | null }) {
  if (!hint) return null;
  return (
    <p data-testid="tuning-hint" role="note" className="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
      {hint}
    </p>
  );
}

import type { CheckResult } from '@/db/schema';

const time = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

export function ResultsTable({ results }: { results: CheckResult[] }) {
  if (results.length === 0) return <p className="text-sm text-slate-600">No checks yet.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="monitor-results">
      <thead className="text-xs text-slate-500">
        <tr>
          <th className="py-1 font-medium">Time (UTC)</th>
          <th className="py-1 font-medium">Result</th>
          <th className="py-1 font-medium">Status</th>
          <th className="py-1 font-medium">Latency</th>
          <th className="py-1 font-medium">Error</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {results.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: check results carry no id and two may share a timestamp; the rows hold no state, so position is a safe key
          <tr key={i} data-testid="monitor-result" data-ok={r.ok}>
            <td className="py-1 font-mono text-xs">{time(r.at)}</td>
            <td className={`py-1 ${r.ok ? 'text-emerald-700' : 'text-red-700'}`}>{r.ok ? 'ok' : 'failed'}</td>
            <td className="py-1">{r.status ?? '–'}</td>
            <td className="py-1">{r.latencyMs === null ? '–' : `${r.latencyMs} ms`}</td>
            <td className="py-1 text-xs text-slate-600">{r.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

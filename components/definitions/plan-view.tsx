import { Badge } from '@/components/ui/badge';
import type { ResourceChange } from '@/lib/spec/diff';

const ACTION_TONE = { create: 'good', update: 'neutral', delete: 'bad' } as const;

/** A plan as the import page shows it: each resource's change, field by field, with what needs care flagged. */
export function PlanView({ changes }: { changes: ResourceChange[] }) {
  if (changes.length === 0)
    return (
      <p className="text-sm" data-testid="plan-empty">
        No changes: the panel already matches this definition.
      </p>
    );
  return (
    <ul className="space-y-3" data-testid="plan">
      {changes.map((c) => (
        <li key={`${c.kind}:${c.key}`} className="rounded-md p-3 ring-1 ring-slate-200" data-testid="plan-change">
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={ACTION_TONE[c.action]}>{c.action}</Badge>
            <span className="font-medium">
              {c.kind} {c.key}
            </span>
            {c.destructive && <Badge tone="bad">destructive: {c.destructive}</Badge>}
            {c.needsValue.length > 0 && <Badge tone="warn">needs value: {c.needsValue.join(', ')}</Badge>}
          </div>
          {c.refused && (
            <p className="mt-1 text-sm text-red-700" role="alert">
              {c.refused}
            </p>
          )}
          {c.fields.length > 0 && (
            <div className="overflow-x-auto">
              <table className="mt-2 w-full text-left font-mono text-xs">
                <tbody>
                  {c.fields.map((f) => (
                    <tr key={f.field} className="align-top">
                      <td className="pr-3 text-slate-600">{f.field}</td>
                      <td className="pr-3 text-red-700">{f.from ?? ''}</td>
                      <td className="text-emerald-700">{f.to ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import { toast } from 'sonner';
import { applyDefinition, planDefinition } from '@/app/(panel)/definitions/actions';
import { Button } from '@/components/ui/button';
import type { ResourceChange } from '@/lib/spec/diff';
import type { DefinitionProblem } from '@/lib/spec/yaml';
import { PlanView } from './plan-view';

type Planned = { hash: string | null; problems: DefinitionProblem[]; changes: ResourceChange[] };
type Applied = { applied: number; queued: { serverId: string; serverName: string; apps: number }[] };

/**
 * Paste or upload a definition, see its plan, apply it. Apply sends the text with the plan's
 * hash: if the text changed after planning, the server refuses it.
 */
export function ImportForm() {
  const [text, setText] = useState('');
  const [planned, setPlanned] = useState<(Planned & { text: string }) | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [pending, start] = useTransition();
  const destructive = planned?.changes.some((c) => c.destructive) ?? false;
  const refused = planned?.changes.some((c) => c.refused) ?? false;

  const plan = () =>
    start(async () => {
      setApplied(null);
      setConfirm(false);
      const result = await planDefinition(null, { text });
      if (!result.ok) return void toast.error(result.error);
      setPlanned({ ...result.data, text });
    });
  const apply = () =>
    start(async () => {
      if (!planned?.hash) return;
      const result = await applyDefinition(null, { text: planned.text, hash: planned.hash, ...(confirm && { confirmDestructive: 'on' }) });
      if (!result.ok) return void toast.error(result.error);
      toast.success(`Applied ${result.data.applied} change${result.data.applied === 1 ? '' : 's'}`);
      setApplied(result.data);
      setPlanned(null);
    });

  return (
    <div className="space-y-4">
      <label htmlFor="definition" className="block text-sm font-medium">
        Definition (YAML)
      </label>
      <textarea
        id="definition"
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={16}
        spellCheck={false}
        className="block w-full rounded-md px-2.5 py-1.5 font-mono text-xs ring-1 ring-slate-300"
        placeholder="apiVersion: berth/v1"
      />
      <div className="flex flex-wrap items-center gap-3">
        <input
          type="file"
          accept=".yaml,.yml,text/yaml"
          aria-label="Upload a definition file"
          className="text-sm"
          onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? '')}
        />
        <Button type="button" onClick={plan} disabled={pending || text.trim() === ''}>
          Plan
        </Button>
      </div>
      {planned && planned.problems.length > 0 && (
        <ul className="space-y-1 text-sm text-red-700" role="alert" data-testid="definition-problems">
          {planned.problems.map((p) => (
            <li key={`${p.line}:${p.path}:${p.message}`}>
              {p.line ? `Line ${p.line}` : 'File'}
              {p.path ? ` (${p.path})` : ''}: {p.message}
            </li>
          ))}
        </ul>
      )}
      {planned?.hash && (
        <div className="space-y-3">
          <PlanView changes={planned.changes} />
          {!refused && (
            <div className="flex flex-wrap items-center gap-3">
              {destructive && (
                <label className="flex items-center gap-2 text-sm text-red-700">
                  <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} /> I understand what the
                  destructive changes remove
                </label>
              )}
              <Button type="button" onClick={apply} disabled={pending || (destructive && !confirm)}>
                {planned.changes.length > 0 ? 'Apply' : 'Apply (configure what did not finish)'}
              </Button>
            </div>
          )}
        </div>
      )}
      {applied && (
        <div className="space-y-1 text-sm" data-testid="apply-result">
          <p>
            Applied {applied.applied} change{applied.applied === 1 ? '' : 's'}.{' '}
            {applied.queued.length
              ? 'Configure queued (each run shows on the server and app pages):'
              : 'Nothing to configure, or no server is ready yet.'}
          </p>
          <ul className="list-disc pl-5">
            {applied.queued.map((q) => (
              <li key={q.serverId}>
                <Link className="underline" href={`/servers/${q.serverId}`}>
                  {q.serverName}
                </Link>
                : {q.apps} app{q.apps === 1 ? '' : 's'}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { restoreEnvAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';
import type { EnvChange } from '@/db/schema';
import { MaskedValue } from './reveal';

export type RevisionItem = {
  number: number;
  source: string;
  changes: EnvChange[];
  restoredFrom: number | null;
  pulledFromName: string | null;
  createdByName: string | null;
  createdAt: string;
};

const SIGN = { added: '+', changed: '~', removed: '−' } as const;

function origin(r: RevisionItem): string {
  const who = r.createdByName ?? 'Berth';
  if (r.source === 'restore') return `${who} restored #${r.restoredFrom}`;
  if (r.source === 'pull') return `${who} pulled from ${r.pulledFromName ?? 'a removed server'}`;
  if (r.source === 'paste') return `${who} pasted a .env`;
  if (r.source === 'api') return `${who} pushed a .env (API)`;
  if (r.source === 'managed') return 'Berth (generated credentials)';
  return `${who} edited`;
}

/**
 * Newest first: who, when, and which keys changed. Old and new values stay hidden until
 * revealed (each reveal is audited); "Restore" saves that revision's values as a new one.
 */
export function EnvRevisions({
  appId,
  latest,
  revisions,
  canEdit,
}: {
  appId: string;
  latest: number;
  revisions: RevisionItem[];
  canEdit: boolean;
}) {
  const router = useRouter();
  if (revisions.length === 0) return <p className="text-sm text-slate-600">No revisions yet: the first save makes revision 1.</p>;
  return (
    <ol className="divide-y divide-slate-100">
      {revisions.map((r) => (
        <li key={r.number} data-testid={`env-revision-${r.number}`} className="py-2 text-sm">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span>
              <strong>#{r.number}</strong> · {origin(r)} · <Time value={r.createdAt} />
            </span>
            {canEdit && r.number !== latest && (
              <ActionForm
                action={restoreEnvAction}
                successMessage={`Revision ${r.number} restored as a new revision: push to apply it`}
                onSuccess={() => router.refresh()}
                aria-label={`Restore revision ${r.number}`}
              >
                <input type="hidden" name="appId" value={appId} />
                <input type="hidden" name="number" value={r.number} />
                <input type="hidden" name="baseRevision" value={latest} />
                <Button type="submit" variant="secondary">
                  Restore
                </Button>
              </ActionForm>
            )}
          </div>
          <ul className="mt-1 space-y-0.5 font-mono text-xs">
            {r.changes.map((c) => (
              <li key={c.key} className="flex flex-wrap items-center gap-2">
                <span>
                  {SIGN[c.kind]} {c.key}
                </span>
                {canEdit && c.kind !== 'added' && r.number > 1 && (
                  <span>
                    before: <MaskedValue envKey={c.key} revision={r.number - 1} label={`${c.key} before #${r.number}`} />
                  </span>
                )}
                {canEdit && c.kind !== 'removed' && (
                  <span>
                    after: <MaskedValue envKey={c.key} revision={r.number} label={`${c.key} in #${r.number}`} />
                  </span>
                )}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

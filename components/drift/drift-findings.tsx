'use client';

import { useRouter } from 'next/navigation';
import { checkDriftNow, dismissDrift, revertDrift } from '@/app/(panel)/drift-actions';
import { Diff } from '@/components/apps/pending-changes';
import { ButtonForm } from '@/components/forms/button-form';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';

export type FindingRow = {
  id: string;
  serverName: string;
  subject: string;
  change: 'changed' | 'missing' | 'unexpected' | 'stopped';
  diff: string | null;
  detectedAt: Date;
  dismissed: boolean;
};

const LABEL = { changed: 'changed outside Berth', missing: 'deleted outside Berth', unexpected: 'left behind', stopped: 'stopped' };

function FindingItem({ finding, canAct }: { finding: FindingRow; canAct: boolean }) {
  const router = useRouter();
  const refresh = () => router.refresh();
  return (
    <li className="py-3" data-testid="drift-finding" data-subject={finding.subject} data-change={finding.change}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          <Badge tone={finding.dismissed ? 'neutral' : 'bad'}>{finding.dismissed ? 'dismissed' : LABEL[finding.change]}</Badge>{' '}
          <code className="text-xs">{finding.subject}</code> on {finding.serverName}
          <span className="text-xs text-slate-500">
            {' '}
            · since <Time value={finding.detectedAt} />
          </span>
        </p>
        {canAct && (
          <div className="flex gap-2">
            <ButtonForm
              action={revertDrift}
              fields={{ findingId: finding.id }}
              label="Revert"
              successMessage="Revert queued"
              onSuccess={refresh}
              aria-label={`Revert ${finding.subject}`}
            />
            {!finding.dismissed && (
              <ButtonForm
                action={dismissDrift}
                fields={{ findingId: finding.id }}
                label="Dismiss"
                variant="secondary"
                successMessage="Dismissed"
                onSuccess={refresh}
                aria-label={`Dismiss ${finding.subject}`}
              />
            )}
          </div>
        )}
      </div>
      {finding.diff && <Diff text={finding.diff} />}
    </li>
  );
}

/**
 * What the last drift check found differing from Berth's plan: Revert re-applies (configure
 * for an app's file, provisioning for a service); Dismiss hides it until it changes again.
 */
export function DriftFindings({ findings, canAct, serverId }: { findings: FindingRow[]; canAct: boolean; serverId?: string }) {
  const router = useRouter();
  return (
    <div className="space-y-3" data-testid="drift">
      {findings.length ? (
        <ul className="divide-y divide-slate-100">
          {findings.map((f) => (
            <FindingItem key={f.id} finding={f} canAct={canAct} />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600" data-testid="drift-none">
          No drift: the last check found everything as Berth planned it.
        </p>
      )}
      {canAct && serverId && (
        <ButtonForm
          action={checkDriftNow}
          fields={{ serverId }}
          label="Check now"
          variant="secondary"
          successMessage="Checked"
          onSuccess={() => router.refresh()}
          aria-label="Check for drift"
        />
      )}
    </div>
  );
}

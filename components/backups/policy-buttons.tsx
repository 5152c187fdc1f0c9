'use client';

import { useRouter } from 'next/navigation';
import { deleteBackupPolicy, runBackupPolicy } from '@/app/(panel)/apps/[id]/backups/actions';
import { ButtonForm } from '@/components/forms/button-form';

const RUNS = [
  { kind: 'backup', label: 'Back up now', done: 'Backup queued' },
  { kind: 'verify', label: 'Verify', done: 'Verification queued' },
  { kind: 'drill', label: 'Run drill', done: 'Drill queued' },
] as const;

/** On-demand runs (deployers and up) and, for admins, removing the policy (its runs and stored backups stay). */
export function PolicyButtons({ appId, policy, canDelete }: { appId: string; policy: string; canDelete: boolean }) {
  const router = useRouter();
  return (
    <div className="flex flex-wrap gap-2">
      {RUNS.map((r) => (
        <ButtonForm
          key={r.kind}
          action={runBackupPolicy}
          fields={{ appId, policy, kind: r.kind }}
          label={r.label}
          variant={r.kind === 'backup' ? 'primary' : 'secondary'}
          successMessage={r.done}
          onSuccess={() => router.refresh()}
          aria-label={`${r.label} ${policy}`}
        />
      ))}
      {canDelete && (
        <ButtonForm
          action={deleteBackupPolicy}
          fields={{ appId, policy }}
          label="Remove policy"
          variant="danger"
          successMessage="Policy removed"
          onSuccess={() => router.refresh()}
          aria-label={`Remove policy ${policy}`}
        />
      )}
    </div>
  );
}

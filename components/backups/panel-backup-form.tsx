'use client';

import { useRouter } from 'next/navigation';
import { backUpPanelNow, savePanelBackup, stopPanelBackup } from '@/app/(panel)/settings/panel-backup-actions';
import { ActionForm } from '@/components/forms/action-form';
import { ButtonForm } from '@/components/forms/button-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { PanelBackupPolicy } from '@/lib/backups/panel-schedule';

/** A new schedule starts daily at 03:45 UTC (after the apps' default 03:15), 7 daily / 4 weekly / 6 monthly. */
const FRESH = { schedule: '45 3 * * *', retention: { daily: 7, weekly: 4, monthly: 6 }, graceMinutes: 60 };

/** "The panel's own backup": where, when and how many to keep; a bad schedule or retention comes back beside its field. */
export function PanelBackupForm({ policy, targets }: { policy: PanelBackupPolicy | null; targets: string[] }) {
  const router = useRouter();
  const p = policy ?? { ...FRESH, target: targets[0] ?? '' };
  return (
    <div className="space-y-3">
      <ActionForm
        action={savePanelBackup}
        successMessage="Panel backup schedule saved"
        onSuccess={() => router.refresh()}
        aria-label="The panel's backup schedule"
        className="grid gap-3 sm:grid-cols-3"
      >
        <SelectField
          name="target"
          label="Target"
          options={targets.map((t) => ({ value: t, label: t }))}
          defaultValue={p.target}
          data-testid="panel-backup-target"
        />
        <Field name="schedule" label="Schedule (cron, UTC)" defaultValue={p.schedule} data-testid="panel-backup-schedule" />
        <Field
          name="graceMinutes"
          label="Alert after (minutes late)"
          inputMode="numeric"
          defaultValue={p.graceMinutes}
          hint="Past the schedule's interval with no success: the dead man's monitor goes down."
        />
        <Field
          name="retentionDaily"
          label="Keep daily"
          inputMode="numeric"
          defaultValue={p.retention.daily}
          data-testid="panel-backup-daily"
        />
        <Field name="retentionWeekly" label="Keep weekly" inputMode="numeric" defaultValue={p.retention.weekly} />
        <Field name="retentionMonthly" label="Keep monthly" inputMode="numeric" defaultValue={p.retention.monthly} />
        <div className="sm:col-span-3">
          <Button type="submit">{policy ? 'Save schedule' : 'Schedule the panel’s backup'}</Button>
        </div>
      </ActionForm>
      {policy && (
        <div className="flex flex-wrap gap-3">
          <ButtonForm
            action={backUpPanelNow}
            fields={{}}
            label="Back up the panel now"
            variant="secondary"
            successMessage="Panel backup queued"
            onSuccess={() => router.refresh()}
            aria-label="Back up the panel now"
          />
          <ButtonForm
            action={stopPanelBackup}
            fields={{}}
            label="Stop scheduling"
            variant="danger"
            successMessage="The panel's backups are no longer scheduled"
            onSuccess={() => router.refresh()}
            aria-label="Stop scheduling the panel's backup"
          />
        </div>
      )}
    </div>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { saveBackupPolicy } from '@/app/(panel)/apps/[id]/backups/actions';
import { ActionForm } from '@/components/forms/action-form';
import { CheckboxField, Field, SelectField, TextAreaField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { BackupPolicy } from '@/lib/model/backup-policy';

/** What a new policy starts with: the model's defaults (daily at 03:15 UTC, 7/4/6, weekly drill). */
/** The GFS retention inputs; the action reads them back as retentionDaily, retentionWeekly, retentionMonthly. */
const RETENTION_FIELDS = [
  ['daily', 'Keep daily'],
  ['weekly', 'Keep weekly'],
  ['monthly', 'Keep monthly'],
] as const;

const FRESH = {
  name: 'daily',
  schedule: '15 3 * * *',
  retention: { daily: 7, weekly: 4, monthly: 6 },
  database: true,
  files: [] as string[],
  serverConfig: true,
  redis: false,
  drillSchedule: '30 4 * * 0',
  graceMinutes: 60,
};

type Props = {
  appId: string;
  /** The policy being edited; absent: a new one. */
  policy?: BackupPolicy;
  /** A new policy's suggested name (one the app does not use yet). */
  freshName?: string;
  targets: string[];
  sharedPaths: string[];
  hasDatabase: boolean;
};

/** One policy's settings. Saved into the app's config; a bad schedule or retention comes back beside its field. */
export function PolicyForm({ appId, policy, freshName, targets, sharedPaths, hasDatabase }: Props) {
  const router = useRouter();
  const p = policy ?? { ...FRESH, name: freshName ?? FRESH.name, target: targets[0] ?? '' };
  const label = policy ? `Edit policy ${policy.name}` : 'Add a backup policy';
  return (
    <ActionForm
      action={saveBackupPolicy}
      successMessage="Policy saved"
      onSuccess={() => router.refresh()}
      aria-label={label}
      className="grid gap-3 sm:grid-cols-3"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="previousName" value={policy?.name ?? ''} />
      <Field name="name" label="Policy name" defaultValue={p.name} data-testid="policy-name" />
      {targets.length > 0 ? (
        <SelectField
          name="target"
          label="Target"
          options={targets.map((t) => ({ value: t, label: t }))}
          defaultValue={p.target}
          data-testid="policy-target"
        />
      ) : (
        <Field name="target" label="Target" hint="Add one under Settings → Backup targets first." defaultValue={p.target} />
      )}
      <Field name="schedule" label="Schedule (cron, UTC)" defaultValue={p.schedule} data-testid="policy-schedule" />
      {RETENTION_FIELDS.map(([period, label]) => (
        <Field
          key={period}
          name={`retention${period[0]!.toUpperCase()}${period.slice(1)}`}
          label={label}
          type="number"
          min={0}
          defaultValue={p.retention[period]}
          data-testid={`policy-keep-${period}`}
        />
      ))}
      <fieldset className="flex flex-col gap-2 sm:col-span-1">
        <legend className="text-sm font-medium text-slate-800">What it backs up</legend>
        <CheckboxField
          name="database"
          label={hasDatabase ? 'Database (with role and grants)' : 'Database (the app has none)'}
          defaultChecked={p.database}
        />
        <CheckboxField name="serverConfig" label="Server config (/etc)" defaultChecked={p.serverConfig} />
      </fieldset>
      <div className="sm:col-span-2">
        <TextAreaField
          name="files"
          label="Files (one shared path per line)"
          rows={3}
          hint={sharedPaths.length ? `Shared paths: ${sharedPaths.join(', ')}` : 'The app has no shared paths.'}
          defaultValue={p.files.join('\n')}
          data-testid="policy-files"
        />
      </div>
      <Field
        name="drillSchedule"
        label="Restore drill schedule (cron; empty: on demand)"
        defaultValue={p.drillSchedule}
        data-testid="policy-drill-schedule"
      />
      <Field
        name="graceMinutes"
        label="Alert after a missed run by (minutes)"
        type="number"
        min={1}
        defaultValue={p.graceMinutes}
        data-testid="policy-grace"
      />
      <div className="flex items-end sm:col-span-3">
        <Button type="submit" data-testid="policy-submit">
          {policy ? 'Save policy' : 'Add policy'}
        </Button>
      </div>
    </ActionForm>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { saveAutoMonitor } from '@/app/(panel)/monitors/actions';
import { ActionForm } from '@/components/forms/action-form';
import { CheckboxField, Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** Berth's own per-domain checks: only the timing is the operator's. */
export function AutoMonitorForm({
  id,
  intervalS,
  timeoutMs,
  retries,
  paused,
}: {
  id: string;
  intervalS: number;
  timeoutMs: number;
  retries: number;
  paused: boolean;
}) {
  const router = useRouter();
  return (
    <ActionForm
      action={saveAutoMonitor}
      successMessage="Monitor saved"
      onSuccess={() => router.refresh()}
      aria-label="Edit monitor timing"
      className="grid gap-4 sm:grid-cols-3"
    >
      <input type="hidden" name="monitorId" value={id} />
      <Field name="intervalS" label="Interval (seconds)" type="number" min={10} defaultValue={intervalS} data-testid="monitor-interval" />
      <Field
        name="timeoutMs"
        label="Timeout (ms)"
        type="number"
        min={1000}
        max={60000}
        defaultValue={timeoutMs}
        data-testid="monitor-timeout"
      />
      <Field
        name="retries"
        label="Retries before down"
        type="number"
        min={0}
        max={10}
        defaultValue={retries}
        data-testid="monitor-retries"
      />
      <div className="sm:col-span-3">
        <CheckboxField name="paused" label="Paused" defaultChecked={paused} />
      </div>
      <div className="sm:col-span-3">
        <Button type="submit" data-testid="monitor-submit">
          Save
        </Button>
      </div>
    </ActionForm>
  );
}

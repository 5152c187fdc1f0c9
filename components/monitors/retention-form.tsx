'use client';

import { useRouter } from 'next/navigation';
import { saveMonitoringRetention } from '@/app/(panel)/settings/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export function RetentionForm({
  rawHours,
  minuteHours,
  hourDays,
  dayDays,
}: {
  rawHours: number;
  minuteHours: number;
  hourDays: number;
  dayDays: number;
}) {
  const router = useRouter();
  return (
    <ActionForm
      action={saveMonitoringRetention}
      successMessage="Retention saved"
      onSuccess={() => router.refresh()}
      aria-label="Monitoring retention"
      className="grid gap-4 sm:grid-cols-4"
    >
      <Field name="rawHours" label="Raw results (hours)" type="number" min={1} defaultValue={rawHours} data-testid="retention-raw-hours" />
      <Field
        name="minuteHours"
        label="Minute rollups (hours)"
        type="number"
        min={24}
        defaultValue={minuteHours}
        data-testid="retention-minute-hours"
      />
      <Field name="hourDays" label="Hour rollups (days)" type="number" min={31} defaultValue={hourDays} data-testid="retention-hour-days" />
      <Field name="dayDays" label="Day rollups (days)" type="number" min={31} defaultValue={dayDays} data-testid="retention-day-days" />
      <div className="sm:col-span-4">
        <Button type="submit" data-testid="retention-submit">
          Save retention
        </Button>
      </div>
    </ActionForm>
  );
}

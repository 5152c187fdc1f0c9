'use client';

import { useRouter } from 'next/navigation';
import { saveMyTimeZone } from '@/app/(panel)/settings/time-zone-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';

/**
 * A text field with the zone list as suggestions rather than a 400-option select: typing "Ber"
 * finds Europe/Berlin. The server checks the name, so a typo gets a field error.
 */
// `now` comes from the server page: a clock read here would differ between the server render and hydration.
export function TimeZoneForm({ current, zones, now }: { current: string | null; zones: string[]; now: Date }) {
  const router = useRouter();
  return (
    <ActionForm
      action={saveMyTimeZone}
      successMessage="Time zone saved."
      onSuccess={() => router.refresh()}
      aria-label="Your time zone"
      className="grid max-w-md gap-3"
    >
      <Field
        name="timeZone"
        label="Time zone"
        list="berth-time-zones"
        defaultValue={current ?? ''}
        autoComplete="off"
        spellCheck={false}
        hint={current ? undefined : 'Not set: times show in UTC until your browser reports its zone.'}
        required
      />
      <datalist id="berth-time-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <p className="text-xs text-slate-500">
        Now: <Time value={now} seconds testId="time-zone-now" />
      </p>
      <div>
        <Button type="submit">Save time zone</Button>
      </div>
    </ActionForm>
  );
}

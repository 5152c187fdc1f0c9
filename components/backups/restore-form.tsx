'use client';

import { useRouter } from 'next/navigation';
import { restoreBackup } from '@/app/(panel)/apps/[id]/backups/actions';
import { useFieldErrors } from '@/components/forms/action-form';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { useTimeZone } from '@/components/ui/time';
import { formatDateTime } from '@/lib/time/format';

/** A backup to restore from: when it was taken (shown in the reader's zone) and what it is. */
export type RestoreChoice = { id: string; at: Date; label: string };

function IntoChoice({ canDatabase, canFiles }: { canDatabase: boolean; canFiles: boolean }) {
  const errors = useFieldErrors('into');
  return (
    <fieldset className="sm:col-span-2">
      <legend className="text-sm font-medium text-slate-800">Restore</legend>
      <label className="mt-1 flex items-center gap-2 text-sm">
        <input type="radio" name="into" value="new-database" disabled={!canDatabase} defaultChecked={canDatabase} />
        the database into a new database, then switch the app to it (the old one is kept)
      </label>
      <label className="mt-1 flex items-center gap-2 text-sm">
        <input type="radio" name="into" value="side-path" disabled={!canFiles} defaultChecked={!canDatabase && canFiles} />
        the files into a side path, with a preview of what differs from the live files
      </label>
      {errors && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </fieldset>
  );
}

/** Admins only: nothing is sent until the app's slug is typed (the action checks it again, and audits it). */
export function RestoreForm(props: {
  appId: string;
  policy: string;
  slug: string;
  backups: RestoreChoice[];
  canDatabase: boolean;
  canFiles: boolean;
}) {
  const router = useRouter();
  const zone = useTimeZone();
  if (props.backups.length === 0) return <p className="text-sm text-slate-600">No succeeded backup of this policy to restore yet.</p>;
  return (
    <ActionForm
      action={restoreBackup}
      successMessage="Restore queued"
      resetOnSuccess
      onSuccess={() => router.refresh()}
      aria-label={`Restore ${props.policy}`}
      className="grid gap-3 sm:grid-cols-2"
    >
      <input type="hidden" name="appId" value={props.appId} />
      <input type="hidden" name="policy" value={props.policy} />
      <SelectField
        name="sourceRunId"
        label="Backup"
        options={props.backups.map((b) => ({ value: b.id, label: `${formatDateTime(b.at, zone)} · ${b.label}` }))}
        data-testid="restore-source"
      />
      <IntoChoice canDatabase={props.canDatabase} canFiles={props.canFiles} />
      <Field name="confirm" label={`Type ${props.slug} to restore`} autoComplete="off" spellCheck={false} data-testid="restore-confirm" />
      <div className="flex items-end">
        <Button type="submit" variant="danger" data-testid="restore-submit">
          Restore
        </Button>
      </div>
    </ActionForm>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { restoreSnapshot } from '@/app/(panel)/apps/[id]/releases/[releaseId]/snapshot-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** The destructive part, for admins: nothing is sent until the app's slug is typed (the action checks it again). */
export function SnapshotRestoreForm({ appId, snapshotId, slug }: { appId: string; snapshotId: string; slug: string }) {
  const router = useRouter();
  return (
    <ActionForm
      action={restoreSnapshot}
      successMessage="Restore queued"
      resetOnSuccess
      onSuccess={() => router.refresh()}
      aria-label="Restore snapshot"
      className="mt-4 flex flex-wrap items-end gap-3"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="snapshotId" value={snapshotId} />
      <Field name="confirm" label={`Type ${slug} to replace the database with this snapshot`} autoComplete="off" spellCheck={false} />
      <Button type="submit" variant="danger">
        Restore snapshot
      </Button>
    </ActionForm>
  );
}

'use client';

import { cancelReleaseAction } from '@/app/(panel)/apps/[id]/release-actions';
import { ButtonForm } from '@/components/forms/button-form';

/** Shown while a release is queued or running: before the switch it stops and cleans up, after it rolls back. */
export function CancelRelease({ releaseId }: { releaseId: string }) {
  return (
    <ButtonForm
      action={cancelReleaseAction}
      fields={{ releaseId }}
      label="Cancel"
      variant="danger"
      successMessage="Cancel asked: the release stops (before the switch) or rolls back (after it)"
      aria-label="Cancel the release"
    />
  );
}

'use client';

import { useState } from 'react';
import { deleteApp } from '@/app/(panel)/apps/[id]/delete-actions';
import { ActionForm } from '@/components/forms/action-form';
import { CheckboxField, Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { DeleteStatus } from '@/lib/apps/delete-status';
import { DeleteProgress } from './delete-progress';

type Props = { appId: string; slug: string; hasData: boolean; deleting: boolean };

/** The typed-slug form; after a submission it shows, in place, what each server's teardown removed or could not. */
export function DeleteAppForm({ appId, slug, hasData, deleting }: Props) {
  const [status, setStatus] = useState<DeleteStatus | null>(null);
  if (status?.state === 'deleted' || status?.state === 'unknown') return <DeleteProgress status={status} />;
  return (
    <div className="space-y-3">
      {status && <DeleteProgress status={status} />}
      <ActionForm action={deleteApp} onSuccess={(data) => setStatus(data.status)} aria-label="Delete app" className="space-y-3">
        <input type="hidden" name="appId" value={appId} />
        <Field
          name="confirmSlug"
          label={`Type ${slug} to confirm`}
          autoComplete="off"
          spellCheck={false}
          defaultValue={deleting ? slug : undefined}
        />
        {hasData && <CheckboxField name="deleteData" label="Also delete its database, database role and Redis user" />}
        <Button type="submit" variant="danger">
          {deleting || status ? 'Retry delete' : 'Delete app'}
        </Button>
      </ActionForm>
    </div>
  );
}

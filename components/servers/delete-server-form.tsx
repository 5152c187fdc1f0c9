'use client';

import { useRouter } from 'next/navigation';
import { removeServer } from '@/app/(panel)/servers/[id]/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** Deleting the server from the panel; refused (with the apps named) while an app is on it. */
export function DeleteServerForm({ serverId, name, apps }: { serverId: string; name: string; apps: string[] }) {
  const router = useRouter();
  return (
    <ActionForm
      action={removeServer}
      successMessage={`${name} deleted`}
      onSuccess={() => router.push('/servers')}
      aria-label="Delete server"
      className="space-y-3"
    >
      {apps.length > 0 && (
        <p className="text-sm text-amber-800" data-testid="server-in-use">
          Used by {apps.join(', ')}: take {apps.length === 1 ? 'that app' : 'those apps'} off this server first.
        </p>
      )}
      <input type="hidden" name="serverId" value={serverId} />
      <Field name="confirmName" label={`Type ${name} to confirm`} autoComplete="off" spellCheck={false} />
      <Button type="submit" variant="danger">
        Delete server
      </Button>
    </ActionForm>
  );
}

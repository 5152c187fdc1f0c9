'use client';

import { useRouter } from 'next/navigation';
import { updateServerSettings } from '@/app/(panel)/servers/[id]/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

type Props = { serverId: string; name: string; port: number; username: string; bindAddress: string | null };

/** Name, SSH port, login user and nginx's bind address; the host and the pinned host key stay. */
export function EditServerForm({ serverId, name, port, username, bindAddress }: Props) {
  const router = useRouter();
  return (
    <ActionForm
      action={updateServerSettings}
      successMessage="Saved"
      onSuccess={() => router.refresh()}
      aria-label="Edit server"
      className="grid gap-3 sm:grid-cols-2"
    >
      <input type="hidden" name="serverId" value={serverId} />
      <Field name="name" label="Name" defaultValue={name} />
      <Field name="port" label="SSH port" inputMode="numeric" defaultValue={String(port)} />
      <Field name="username" label="User" defaultValue={username} />
      <Field name="bindAddress" label="Bind address" hint="Empty: all addresses" defaultValue={bindAddress ?? ''} />
      <div className="sm:col-span-2">
        <Button type="submit">Save</Button>
      </div>
    </ActionForm>
  );
}

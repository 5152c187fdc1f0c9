'use client';

import { useRouter } from 'next/navigation';
import { addUser } from '@/app/(panel)/settings/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { ROLE_OPTIONS } from './role-options';

export function AddUserForm({ canCreateOwner }: { canCreateOwner: boolean }) {
  const router = useRouter();
  const options = ROLE_OPTIONS.filter((o) => canCreateOwner || o.value !== 'owner');
  return (
    <ActionForm
      action={addUser}
      successMessage="User added"
      resetOnSuccess
      onSuccess={() => router.refresh()}
      aria-label="Add a user"
      className="grid gap-3 sm:grid-cols-2"
    >
      <Field name="name" label="Name" required />
      <Field name="email" label="Email" type="email" required />
      <Field
        name="password"
        label="Initial password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters; share it privately."
        required
      />
      <SelectField name="role" label="Role" options={options} defaultValue="viewer" />
      <div className="sm:col-span-2">
        <Button type="submit">Add user</Button>
      </div>
    </ActionForm>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createApiTokenAction } from '@/app/(panel)/settings/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { ROLE_OPTIONS } from '@/components/users/role-options';
import { hasRole } from '@/lib/auth/roles';
import type { Role } from '@/lib/model/roles';

const EXPIRY_OPTIONS = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

/**
 * Creates a token and shows it once; reloading the page forgets it (only its hash is kept).
 * `needsCode`: the user has two-factor sign-in, and a token (which outlives the session) asks for a code.
 */
export function NewTokenForm({ myRole, needsCode = false }: { myRole: Role; needsCode?: boolean }) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const roles = ROLE_OPTIONS.filter((o) => hasRole(myRole, o.value));
  return (
    <div className="space-y-3">
      <ActionForm
        action={createApiTokenAction}
        successMessage="Token created"
        resetOnSuccess
        onSuccess={(data) => {
          setCreated(data.token);
          router.refresh();
        }}
        aria-label="Create an API token"
        className="grid gap-3 sm:grid-cols-3"
      >
        <Field name="name" label="Name" hint="What uses it, e.g. “GitHub Actions”." required />
        <SelectField name="role" label="Role" options={roles} defaultValue={myRole === 'owner' ? 'admin' : myRole} />
        <SelectField name="expiresIn" label="Expires" options={EXPIRY_OPTIONS} defaultValue="90" />
        {needsCode && <Field name="code" label="Code from your authenticator app" autoComplete="one-time-code" required />}
        <div className="sm:col-span-3">
          <Button type="submit">Create token</Button>
        </div>
      </ActionForm>
      {created && (
        <div className="rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200" role="status">
          <p className="font-medium">Copy the token now: Berth keeps only its hash and cannot show it again.</p>
          <code className="mt-2 block break-all font-mono" data-testid="new-api-token">
            {created}
          </code>
        </div>
      )}
    </div>
  );
}

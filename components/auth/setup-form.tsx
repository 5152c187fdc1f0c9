'use client';

import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { setupOwner } from '@/app/setup/actions';

export function SetupForm({ token }: { token: string }) {
  return (
    <ActionForm action={setupOwner} className="space-y-4" aria-label="Create the owner account">
      <input type="hidden" name="token" value={token} />
      <Field name="name" label="Your name" autoComplete="name" required autoFocus />
      <Field name="email" label="Email" type="email" autoComplete="username" required />
      <Field name="password" label="Password" type="password" autoComplete="new-password" hint="At least 12 characters." required />
      <Field name="confirm" label="Repeat the password" type="password" autoComplete="new-password" required />
      <Button type="submit" className="w-full">
        Create owner account
      </Button>
    </ActionForm>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { changeMyPassword } from '@/app/(panel)/settings/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export function ChangePasswordForm() {
  const router = useRouter();
  return (
    <ActionForm
      action={changeMyPassword}
      successMessage="Password changed. Sign in again."
      onSuccess={() => router.replace('/login')}
      aria-label="Change your password"
      className="grid max-w-md gap-3"
    >
      <Field name="current" label="Current password" type="password" autoComplete="current-password" required />
      <Field
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters. Every session ends."
        required
      />
      <Field name="confirm" label="Repeat the new password" type="password" autoComplete="new-password" required />
      <div>
        <Button type="submit">Change password</Button>
      </div>
    </ActionForm>
  );
}

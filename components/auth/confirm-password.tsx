'use client';

import { confirmPasswordAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/**
 * The password prompt a reveal shows when the sign-in is older than 10 minutes (requireRecentLogin):
 * one form, so every reveal (env values, a backup target's key) asks the same way.
 */
export function ConfirmPassword({ what, onConfirmed, className }: { what: string; onConfirmed: () => void; className: string }) {
  return (
    <section aria-label="Confirm your password" className={`rounded-md bg-amber-50 p-3 ring-1 ring-amber-200 ${className}`}>
      <p className="text-sm text-amber-900">Revealing {what} needs a recent sign-in. Confirm your password; it counts for 10 minutes.</p>
      <ActionForm
        action={confirmPasswordAction}
        successMessage="Password confirmed: reveal again"
        onSuccess={onConfirmed}
        resetOnSuccess
        className="mt-2 flex items-end gap-2"
        aria-label="Confirm password"
      >
        <Field name="password" label="Password" type="password" autoComplete="current-password" />
        <Button type="submit">Confirm</Button>
      </ActionForm>
    </section>
  );
}

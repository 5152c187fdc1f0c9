'use client';

import { useState } from 'react';
import { toast } from 'sonner';
import { confirmIdentityAction } from '@/app/login/two-factor/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/**
 * The prompt a reveal shows when the sign-in is older than 10 minutes (requireRecentLogin): one
 * form, so every reveal (env values, a backup target's key) asks the same way. A user with
 * two-factor sign-in is then asked for a code too (the password stays typed in).
 */
export function ConfirmPassword({ what, onConfirmed, className }: { what: string; onConfirmed: () => void; className: string }) {
  const [askCode, setAskCode] = useState(false);
  return (
    <section aria-label="Confirm your password" className={`rounded-md bg-amber-50 p-3 ring-1 ring-amber-200 ${className}`}>
      <p className="text-sm text-amber-900">
        Revealing {what} needs a recent sign-in. Confirm your password{askCode ? ' and a code from your authenticator app' : ''}; it counts
        for 10 minutes.
      </p>
      <ActionForm
        action={confirmIdentityAction}
        onSuccess={(data) => {
          if (data.codeNeeded) return setAskCode(true);
          toast.success('Confirmed: reveal again');
          onConfirmed();
        }}
        className="mt-2 flex flex-wrap items-end gap-2"
        aria-label="Confirm password"
      >
        <Field name="password" label="Password" type="password" autoComplete="current-password" />
        {askCode && <Field name="code" label="Code" autoComplete="one-time-code" autoFocus />}
        <Button type="submit">Confirm</Button>
      </ActionForm>
    </section>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { disableTwoFactorAction } from '@/app/login/two-factor/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { TwoFactorEnrol } from './two-factor-enrol';

/** The user's own second factor: enrol, or see how many recovery codes are left and turn it off. */
export function TwoFactorCard({ enabled, recoveryLeft }: { enabled: boolean; recoveryLeft: number }) {
  const router = useRouter();
  if (!enabled) return <TwoFactorEnrol onDone={() => router.refresh()} />;
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700" data-testid="two-factor-status">
        On. {recoveryLeft} of 10 recovery codes left.
      </p>
      <ActionForm
        action={disableTwoFactorAction}
        successMessage="Two-factor sign-in turned off"
        onSuccess={() => router.refresh()}
        aria-label="Turn off two-factor sign-in"
        className="grid max-w-md gap-3"
      >
        <Field name="password" label="Password" type="password" autoComplete="current-password" required />
        <Field name="code" label="Code from the app, or a recovery code" autoComplete="one-time-code" required />
        <div>
          <Button type="submit" variant="danger">
            Turn off
          </Button>
        </div>
      </ActionForm>
    </div>
  );
}

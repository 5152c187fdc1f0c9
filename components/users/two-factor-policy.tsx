'use client';

import { useRouter } from 'next/navigation';
import { requireTwoFactorAction, resetTwoFactorAction } from '@/app/login/two-factor/actions';
import { ActionForm } from '@/components/forms/action-form';
import { SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** Owners only: require a second factor of everyone, and reset one for a user who lost their device. */
export function TwoFactorPolicy({ required, enrolled }: { required: boolean; enrolled: { id: number; email: string }[] }) {
  const router = useRouter();
  return (
    <div className="space-y-4">
      <ActionForm
        action={requireTwoFactorAction}
        successMessage={required ? 'No longer required' : 'Required for everyone'}
        onSuccess={() => router.refresh()}
        aria-label="Require two-factor sign-in"
        className="flex flex-wrap items-center gap-3"
      >
        <input type="hidden" name="required" value={required ? 'false' : 'true'} />
        <p className="text-sm text-slate-700" data-testid="two-factor-required">
          {required ? 'Required: users without it must enrol before anything else.' : 'Optional for each user.'}
        </p>
        <Button type="submit" variant="secondary">
          {required ? 'Stop requiring it' : 'Require for everyone'}
        </Button>
      </ActionForm>
      {enrolled.length > 0 && (
        <ActionForm
          action={resetTwoFactorAction}
          successMessage="Second factor reset"
          onSuccess={() => router.refresh()}
          aria-label="Reset a user's second factor"
          className="flex flex-wrap items-end gap-3"
        >
          <SelectField name="userId" label="User" options={enrolled.map((u) => ({ value: String(u.id), label: u.email }))} />
          <Button type="submit" variant="danger">
            Reset their second factor
          </Button>
        </ActionForm>
      )}
    </div>
  );
}

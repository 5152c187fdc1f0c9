'use client';

import { useRouter } from 'next/navigation';
import { signOutBeforeEnrolmentAction } from '@/app/login/two-factor/actions';
import { ActionForm } from '@/components/forms/action-form';
import { TwoFactorEnrol } from '@/components/users/two-factor-enrol';

/** The only thing a user who owes the required second factor can do: enrol, or sign out. */
export function RequiredEnrolment() {
  const router = useRouter();
  const leave = (to: string) => {
    router.replace(to);
    router.refresh();
  };
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">The owners of this panel require two-factor sign-in. Set it up to continue.</p>
      <TwoFactorEnrol onDone={() => leave('/')} doneLabel="Continue to the panel" />
      <ActionForm action={signOutBeforeEnrolmentAction} onSuccess={() => leave('/login')}>
        <button type="submit" className="text-sm text-indigo-700 hover:underline">
          Sign out
        </button>
      </ActionForm>
    </div>
  );
}

import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { RequiredEnrolment } from '@/components/auth/required-enrolment';
import { currentUser, signedInUser } from '@/lib/auth/session';

export const metadata = { title: 'Set up two-factor sign-in' };

/** Where requireUser() sends a signed-in user who owes the required second factor. */
export default async function RequiredEnrolmentPage() {
  if (await currentUser()) redirect('/');
  if (!(await signedInUser())) redirect('/login');
  return (
    <AuthCard title="Set up two-factor sign-in">
      <RequiredEnrolment />
    </AuthCard>
  );
}

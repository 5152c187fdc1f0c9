import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { LoginForm } from '@/components/auth/login-form';
import { db } from '@/db';
import { ownerExists } from '@/db/queries/users';
import { safeReturnPath } from '@/lib/auth/return-to';
import { currentUser, signedInUser } from '@/lib/auth/session';

export const metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  // Only a path on this panel is honoured (never //host, /\host, a URL or javascript:).
  const next = safeReturnPath((await searchParams).next) ?? '/';
  if (await currentUser()) redirect(next);
  if (await signedInUser()) redirect('/login/two-factor');
  const ready = await ownerExists(db());
  return (
    <AuthCard title="Sign in">
      {ready ? (
        <LoginForm next={next} />
      ) : (
        <p className="text-sm text-slate-700">
          This panel has no owner yet. Open the one-time setup link printed in the panel&apos;s log (also saved as
          <code className="mx-1 rounded bg-slate-100 px-1">setup-url</code>in the data directory).
        </p>
      )}
    </AuthCard>
  );
}

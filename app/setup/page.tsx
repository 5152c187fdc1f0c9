import Link from 'next/link';
import { AuthCard } from '@/components/auth/auth-card';
import { SetupForm } from '@/components/auth/setup-form';
import { db } from '@/db';
import { setupTokenValid } from '@/lib/auth/setup';

export const metadata = { title: 'Set up' };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = '' } = await searchParams;
  const valid = await setupTokenValid(db(), token);
  return (
    <AuthCard title="Create the owner account">
      {valid ? (
        <SetupForm token={token} />
      ) : (
        <p className="text-sm text-slate-700">
          This setup link is invalid, has been used, or the panel already has an owner.{' '}
          <Link href="/login" className="font-medium text-indigo-700 underline">
            Sign in
          </Link>{' '}
          instead, or restart the panel for a fresh link if no owner exists yet.
        </p>
      )}
    </AuthCard>
  );
}

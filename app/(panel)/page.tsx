import Link from 'next/link';
import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Overview' };

export default async function OverviewPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Overview" description={`Signed in as ${user.name}.`} />
      <EmptyState title="Nothing deployed yet">
        Add a server over SSH, then create an app on it. Its releases, health and alerts will show here.{' '}
        <Link href="/servers" className="font-medium text-indigo-700 underline">Go to Servers</Link>
      </EmptyState>
    </>
  );
}

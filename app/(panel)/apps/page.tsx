import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Apps' };

export default async function AppsPage() {
  await requireUser();
  return (
    <>
      <PageHeader title="Apps" description="PHP, process and static apps, each isolated under its own user." />
      <EmptyState title="No apps yet">Once a server is ready, create an app on it and deploy its first release.</EmptyState>
    </>
  );
}

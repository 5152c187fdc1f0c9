import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Servers' };

export default async function ServersPage() {
  await requireUser();
  return (
    <>
      <PageHeader title="Servers" description="The machines Berth deploys to, reached over SSH with pinned host keys." />
      <EmptyState title="No servers yet">Servers you add will be listed here with their health and provisioning state.</EmptyState>
    </>
  );
}

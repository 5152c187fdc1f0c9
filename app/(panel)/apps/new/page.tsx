import { AddAppForm } from '@/components/apps/add-app-form';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { listServers } from '@/db/queries/servers';
import { requireRole } from '@/lib/auth/session';

export const metadata = { title: 'Create an app' };

export default async function NewAppPage() {
  await requireRole('admin', '/apps/new');
  const servers = (await listServers(db())).filter((s) => s.provisionedAt && !s.hostKeyMismatchAt);
  return (
    <>
      <PageHeader
        title="Create an app"
        description="Berth configures it on the chosen servers right away; deploying code comes with releases."
      />
      {servers.length === 0 ? (
        <EmptyState title="No provisioned server">Add and provision a server first.</EmptyState>
      ) : (
        <Card>
          <AddAppForm servers={servers.map((s) => ({ id: s.id, name: s.name }))} />
        </Card>
      )}
    </>
  );
}

import { AddServerForm } from '@/components/servers/add-server-form';
import { Card, PageHeader } from '@/components/ui/card';
import { requireRole } from '@/lib/auth/session';

export const metadata = { title: 'Add a server' };

export default async function NewServerPage() {
  await requireRole('admin', '/servers/new');
  return (
    <>
      <PageHeader title="Add a server" description="Berth connects over SSH. Nothing runs on the server until you pin its host key." />
      <Card>
        <AddServerForm />
      </Card>
    </>
  );
}

import { ExportButton } from '@/components/definitions/export-button';
import { ImportForm } from '@/components/definitions/import-form';
import { Card, PageHeader } from '@/components/ui/card';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { exportFleetDefinition } from './actions';

export default async function DefinitionsPage() {
  const user = await requireUser();
  const admin = hasRole(user.role, 'admin');
  return (
    <>
      <PageHeader
        title="Definitions"
        description="The fleet as a YAML file (apiVersion berth/v1): export it, keep it in git, and import it here to see a plan and apply it. Secrets stay in the panel; files only refer to them."
        actions={admin ? <ExportButton action={exportFleetDefinition} payload={{}} label="Export the fleet" /> : undefined}
      />
      {admin ? (
        <Card
          title="Import"
          description="Paste or upload a definition. Berth shows every change first; nothing is written until you apply."
        >
          <ImportForm />
        </Card>
      ) : (
        <p className="text-sm">Only admins import and export definitions. Each app page offers its own export.</p>
      )}
    </>
  );
}

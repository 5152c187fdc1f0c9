import { ExportButton } from '@/components/definitions/export-button';
import { ImportForm } from '@/components/definitions/import-form';
import { OpsRepoCard, type OpsRepoView } from '@/components/gitops/ops-repo-card';
import { db } from '@/db';
import { commitsOf, listOpsRepos } from '@/db/queries/ops-repos';
import { opsHookPath } from '@/lib/gitops/repo';
import { getRuntime } from '@/lib/runtime';
import { Card, PageHeader } from '@/components/ui/card';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { exportFleetDefinition } from './actions';

export const metadata = { title: 'Definitions' };

async function opsRepos(): Promise<OpsRepoView[]> {
  const base = getRuntime().env.publicUrl;
  return Promise.all(
    (await listOpsRepos(db())).map(async (r) => ({
      id: r.id,
      url: r.url,
      branch: r.branch,
      path: r.path,
      hookUrl: `${base}${opsHookPath(r.id)}`,
      commits: (await commitsOf(db(), r.id)).map((c) => ({
        id: c.id,
        sha: c.sha,
        subject: c.subject,
        status: c.status,
        changes: c.changes,
        error: c.error,
        receivedAt: c.receivedAt,
      })),
    })),
  );
}

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
      {admin && (
        <Card
          title="GitOps"
          description="Connect the repository that holds the fleet's definition: each signed push is fetched, planned and applied; a plan with destructive changes waits here for approval."
        >
          <OpsRepoCard repos={await opsRepos()} />
        </Card>
      )}
    </>
  );
}

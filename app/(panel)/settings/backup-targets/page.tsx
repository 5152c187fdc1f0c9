import Link from 'next/link';
import { PanelBackupForm } from '@/components/backups/panel-backup-form';
import { PanelBackupStatusView } from '@/components/backups/panel-backup-status';
import { TargetForm } from '@/components/backups/target-form';
import { TargetRow, type TargetView } from '@/components/backups/target-row';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { listTargets } from '@/db/queries/backups';
import { listPinnedServers } from '@/db/queries/servers';
import { requireRole } from '@/lib/auth/session';
import { nextPanelBackupAt, readPanelPolicy } from '@/lib/backups/panel-schedule';
import { readPanelBackupStatus } from '@/lib/backups/panel-schedule-run';

export const metadata = { title: 'Backup targets' };

/** Settings → Backup targets (admins): where backups go, sealed secrets, and "Send test". */
export default async function BackupTargetsPage() {
  await requireRole('admin', '/settings/backup-targets');
  const [targets, servers, panelPolicy, panelStatus] = await Promise.all([
    listTargets(db()),
    listPinnedServers(db()),
    readPanelPolicy(db()),
    readPanelBackupStatus(db()),
  ]);
  const views: TargetView[] = targets.map((t) => ({
    id: t.id,
    name: t.name,
    settings: t.settings,
    lastTest: t.lastTest ? { ...t.lastTest, at: new Date(t.lastTest.at).toISOString() } : null,
  }));
  return (
    <>
      <PageHeader
        title="Backup targets"
        description="Backups are encrypted on the server with each target's repository key (sealed by the panel) before they leave it."
        actions={
          <span className="flex gap-3 text-sm">
            <Link className="text-indigo-700 hover:underline" href="/backups">
              Backups overview
            </Link>
            <Link className="text-indigo-700 hover:underline" href="/settings">
              Back to settings
            </Link>
          </span>
        }
      />
      <div className="space-y-6">
        {views.length === 0 ? (
          <EmptyState title="No backup targets yet">Add an S3-compatible bucket, an SFTP account or a local path below.</EmptyState>
        ) : (
          <Card title="Targets" description="Send test: a server reaches the target with the sealed credentials and opens its repository.">
            <ul className="divide-y divide-slate-100" data-testid="backup-targets">
              {views.map((t) => (
                <TargetRow key={t.id} target={t} servers={servers.map((s) => ({ id: s.id, name: s.name }))} />
              ))}
            </ul>
          </Card>
        )}
        <Card title="Add a target">
          <TargetForm />
        </Card>
        <Card
          title="The panel's own backup"
          description="Berth's database, dumped by the panel itself and encrypted with the target's repository key (the master key is never in it). To restore a lost panel you need the master key, that repository key (Reveal repository key above) and the target's credential: keep them apart from this machine."
        >
          <div className="space-y-4" data-testid="panel-backup">
            {targets.length === 0 ? (
              <p className="text-sm text-slate-600">Add a target first.</p>
            ) : (
              <PanelBackupForm policy={panelPolicy} targets={targets.map((t) => t.name)} />
            )}
            {(panelPolicy || panelStatus.last || panelStatus.running) && (
              <PanelBackupStatusView status={panelStatus} nextAt={panelPolicy ? nextPanelBackupAt(panelPolicy) : null} />
            )}
          </div>
        </Card>
      </div>
    </>
  );
}

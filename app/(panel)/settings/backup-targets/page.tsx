import Link from 'next/link';
import { TargetForm } from '@/components/backups/target-form';
import { TargetRow, type TargetView } from '@/components/backups/target-row';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { listTargets } from '@/db/queries/backups';
import { listPinnedServers } from '@/db/queries/servers';
import { requireRole } from '@/lib/auth/session';
import { utcMinute } from '@/lib/model/time-text';

export const metadata = { title: 'Backup targets' };

/** Settings → Backup targets (admins): where backups go, sealed secrets, and "Send test". */
export default async function BackupTargetsPage() {
  await requireRole('admin', '/settings/backup-targets');
  const [targets, servers] = await Promise.all([listTargets(db()), listPinnedServers(db())]);
  const views: TargetView[] = targets.map((t) => ({
    id: t.id,
    name: t.name,
    settings: t.settings,
    lastTest: t.lastTest ? { ...t.lastTest, at: utcMinute(new Date(t.lastTest.at)), atIso: new Date(t.lastTest.at).toISOString() } : null,
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
      </div>
    </>
  );
}

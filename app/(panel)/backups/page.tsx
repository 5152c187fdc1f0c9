import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { Time } from '@/components/ui/time';
import { db } from '@/db';
import { listApps } from '@/db/queries/apps';
import { latestRunsOfPolicies, policyRunKey } from '@/db/queries/backup-views';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { nextRunAt } from '@/lib/backups/schedule';
import { weakestStage } from '@/lib/backups/stages';

export const metadata = { title: 'Backups' };

/** Every app's policies with their weakest stage: what would be lost today, at a glance. */
export default async function BackupsOverviewPage() {
  const user = await requireUser();
  const apps = (await listApps(db())).filter((a) => a.config.backups.length > 0);
  const latest = await latestRunsOfPolicies(
    db(),
    apps.map((a) => a.id),
  );
  const now = new Date();
  const rows = apps.flatMap((app) =>
    app.config.backups.map((policy) => {
      const last = latest.get(policyRunKey(app.id, policy.name));
      return {
        app,
        policy,
        status: weakestStage(last?.finished.backup, last?.finished.verify, last?.finished.drill, now),
        lastSuccess: last?.lastSuccess,
        nextRun: nextRunAt(policy, now),
      };
    }),
  );
  return (
    <>
      <PageHeader
        title="Backups"
        description="Each policy shows the weakest stage of its latest backup: dumped → uploaded → verified remotely → restore-verified."
        actions={
          hasRole(user.role, 'admin') && (
            <Link className="text-sm text-indigo-700 hover:underline" href="/settings/backup-targets">
              Backup targets
            </Link>
          )
        }
      />
      {rows.length === 0 ? (
        <EmptyState title="No backup policies yet">Add one on an app's Backups page.</EmptyState>
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="backups-overview">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1 pr-3">App</th>
                  <th className="pr-3">Policy</th>
                  <th className="pr-3">Target</th>
                  <th className="pr-3">Weakest stage</th>
                  <th className="pr-3">Last success</th>
                  <th>Next run</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map(({ app, policy, status, lastSuccess, nextRun }) => (
                  <tr
                    key={`${app.id}/${policy.name}`}
                    data-testid="backups-overview-row"
                    data-app={app.config.slug}
                    data-policy={policy.name}
                    data-tone={status.tone}
                    data-stage={status.stage ?? 'none'}
                  >
                    <td className="py-2 pr-3">
                      <Link className="font-medium text-indigo-700 hover:underline" href={`/apps/${app.id}/backups`}>
                        {app.name}
                      </Link>
                      <span className="block font-mono text-xs text-slate-500">{app.config.slug}</span>
                    </td>
                    <td className="pr-3">{policy.name}</td>
                    <td className="pr-3">{policy.target}</td>
                    <td className="pr-3">
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td className="pr-3 text-xs">
                      <Time value={lastSuccess?.finishedAt ?? lastSuccess?.createdAt} />
                    </td>
                    <td className="text-xs">
                      <Time value={nextRun} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </>
  );
}

import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { DrillsTable } from '@/components/backups/drills-table';
import { PolicyCard } from '@/components/backups/policy-card';
import { PolicyForm } from '@/components/backups/policy-form';
import { RunsTable } from '@/components/backups/runs-table';
import { LiveRefresh } from '@/components/live-refresh';
import { Card } from '@/components/ui/card';
import { TabHeader } from '../tab-header';
import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { latestRunsOfPolicies, policyRunKey } from '@/db/queries/backup-views';
import { keptBackups, listTargets, runsOfApp } from '@/db/queries/backups';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { nextRunAt } from '@/lib/backups/schedule';
import { weakestStage } from '@/lib/backups/stages';

/** The app's Backups tab: policies with their weakest stage, next runs, on-demand runs, every run's stages, drills, restore. */
export default async function AppBackupsPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  if (!app) notFound();
  const { config } = app;
  const canManage = hasRole(user.role, 'admin');
  const now = new Date();
  const [runs, latest, targets, kept] = await Promise.all([
    runsOfApp(db(), app.id, 100),
    latestRunsOfPolicies(db(), [app.id]),
    listTargets(db()),
    Promise.all(config.backups.map((p) => keptBackups(db(), app.id, p.name))),
  ]);
  const targetNames = targets.map((t) => t.name);
  const moving = runs.some((r) => r.status === 'queued' || r.status === 'running');
  const freshName = ['daily', 'weekly', 'monthly', 'hourly', 'offsite'].find((n) => !config.backups.some((p) => p.name === n)) ?? '';
  const shared = { sharedPaths: config.sharedPaths, hasDatabase: config.dataServices.postgres };
  return (
    <>
      <LiveRefresh active={moving} ms={2000} />
      <TabHeader
        title="Backups"
        description="Each backup passes dumped → uploaded → verified remotely → restore-verified; a policy shows the weakest stage of its latest backup."
        actions={
          <span className="flex gap-3 text-sm">
            {canManage && (
              <Link className="text-indigo-700 hover:underline" href="/settings/backup-targets">
                Backup targets
              </Link>
            )}
          </span>
        }
      />
      <div className="space-y-6">
        {config.backups.length === 0 && <p className="text-sm text-slate-600">No backup policy yet.</p>}
        {config.backups.map((policy, i) => {
          const last = latest.get(policyRunKey(app.id, policy.name));
          return (
            <PolicyCard
              key={policy.name}
              appId={app.id}
              slug={config.slug}
              policy={policy}
              status={weakestStage(last?.finished.backup, last?.finished.verify, last?.finished.drill, now)}
              nextRun={nextRunAt(policy, now)}
              nextDrill={nextRunAt(policy, now, 'drill')}
              lastSuccess={last?.lastSuccess}
              kept={kept[i] ?? []}
              targets={targetNames}
              {...shared}
              canRun={hasRole(user.role, 'deployer')}
              canManage={canManage}
            />
          );
        })}
        {canManage && config.backups.length < 5 && (
          <Card title="Add a backup policy" description="Saved in the app's config, so it travels with the app's definition.">
            <PolicyForm appId={app.id} freshName={freshName} targets={targetNames} {...shared} />
          </Card>
        )}
        <Card title="Runs" description="Backups, verifications, drills and restores, newest first.">
          <RunsTable appId={app.id} runs={runs} />
        </Card>
        <Card
          title="Restore drills"
          description="A scratch restore of a backup: row counts compared with the dump's manifest, file samples by hash."
        >
          <DrillsTable drills={runs.filter((r) => r.kind === 'drill')} />
        </Card>
      </div>
    </>
  );
}

import { CurrentReleaseCard } from '@/components/dashboard/current-release-card';
import { HealthCard } from '@/components/dashboard/health-card';
import { BackupsCard } from '@/components/backups/backups-card';
import { EnvCard } from '@/components/env/env-card';
import { db } from '@/db';
import { appMonitors, uptimeOfApp } from '@/db/queries/dashboard';
import { listEnvKeys } from '@/db/queries/env-values';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { envPushSummary } from '@/lib/env/push';
import { rollbackTargets } from '@/lib/releases/rollback-targets';
import { appOf, serverRunsOf } from './app-of';
import { ServerRunCards } from './server-run-cards';

/**
 * Overview: is it up, what is live, and how each server's latest run went. No page-wide refresh:
 * a run in progress follows its own event stream (RunView), and a refresh racing the Deploy or
 * Roll back button's navigation to the release page would cancel it.
 */
export default async function AppOverviewPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const app = await appOf((await params).id);
  const runs = await serverRunsOf(app.id);
  const now = new Date();
  const [monitors, uptime, current, envKeys, envPush] = await Promise.all([
    appMonitors(db(), app.id),
    uptimeOfApp(db(), app.id, now),
    rollbackTargets(db(), app.id),
    listEnvKeys(db(), app.id),
    envPushSummary(db(), app.id),
  ]);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <HealthCard appId={app.id} monitors={monitors} uptime={uptime} />
      <CurrentReleaseCard appId={app.id} current={current} canDeploy={hasRole(user.role, 'deployer')} />
      <EnvCard appId={app.id} keyCount={envKeys.length} latest={envPush.latest} pending={envPush.pending} />
      <BackupsCard appId={app.id} policies={app.config.backups} />
      <ServerRunCards runs={runs} />
    </div>
  );
}

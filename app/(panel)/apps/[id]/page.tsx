import { notFound } from 'next/navigation';
import { z } from 'zod';
import { ConfigureButton, PoolForm } from '@/components/apps/pool-form';
import { LiveRefresh } from '@/components/live-refresh';
import { RunView } from '@/components/servers/run-view';
import { Card, PageHeader } from '@/components/ui/card';
import { ExportButton } from '@/components/definitions/export-button';
import { exportAppDefinition } from '@/app/(panel)/definitions/actions';
import { db } from '@/db';
import { findApp, latestAppRun, placementsOfApp } from '@/db/queries/apps';
import { listServers } from '@/db/queries/servers';
import { AppSummary } from '@/components/apps/app-summary';
import { ReleasesCard } from '@/components/apps/releases-card';
import { activeRelease, releasesOf } from '@/db/queries/releases';
import { rollbackTargets } from '@/lib/releases/rollback-targets';
import { PlacementForm } from '@/components/apps/placement-form';
import { SettingsForm } from '@/components/apps/settings-form';
import { PendingChanges } from '@/components/apps/pending-changes';
import { DriftFindings } from '@/components/drift/drift-findings';
import { findingsOfApp } from '@/db/queries/drift';
import { findingRow } from '@/lib/drift/view';
import { DataServicesCard } from '@/components/apps/data-services-card';
import { TlsCard } from '@/components/apps/tls-card';
import { WebhookCard } from '@/components/apps/webhook-card';
import { EnvCard } from '@/components/env/env-card';
import { BackupsCard } from '@/components/backups/backups-card';
import { HealthCard } from '@/components/dashboard/health-card';
import { listEnvKeys } from '@/db/queries/env-values';
import { certificatesOfApp } from '@/db/queries/certificates';
import { appMonitors, uptimeOfApp } from '@/db/queries/dashboard';
import { findWebhook } from '@/db/queries/webhooks';
import { envPushSummary } from '@/lib/env/push';
import { dataServerOf, dataServiceWarnings } from '@/lib/apps/data-services';
import { settingsTexts } from '@/lib/apps/form-lines';
import { tasksOf } from '@/db/queries/runs';
import { hasRole } from '@/lib/auth/roles';
import type { AppConfig } from '@/lib/model/app-config';
import { requireUser } from '@/lib/auth/session';

/** Where the app's database and Redis user live, with their last configure warnings; null when it has neither. */
async function dataServicesOf(appId: string, config: AppConfig) {
  if (!config.dataServices.postgres && !config.dataServices.redis) return null;
  const data = await dataServerOf(db(), appId);
  return { ...data, warnings: data.server ? await dataServiceWarnings(db(), appId, data.server.id) : [] };
}

export default async function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  if (!app) notFound();
  const placements = await placementsOfApp(db(), app.id);
  const runs = await Promise.all(
    placements.map(async ({ server, roles }) => {
      const run = await latestAppRun(db(), app.id, server.id);
      return { server, roles, run, tasks: run ? await tasksOf(db(), run.id) : [] };
    }),
  );
  const moving = runs.some((r) => r.run?.status === 'queued' || r.run?.status === 'running') || !!(await activeRelease(db(), app.id));
  const canManage = hasRole(user.role, 'admin');
  const serverNames = new Map(placements.map((p) => [p.server.id, p.server.name]));
  const drift = (await findingsOfApp(db(), app.id)).map((f) => findingRow(f, serverNames.get(f.serverId) ?? 'a removed server', canManage));
  const { config } = app;
  const allServers = canManage ? await listServers(db()) : [];
  const serverNameById = new Map(allServers.map((s) => [s.id, s.name]));
  const rolesById = new Map(placements.map((p) => [p.server.id, p.roles]));
  const [envKeys, envPush, releaseList, rollbackChoice, certificates, hook, monitors, uptime, dataServices] = await Promise.all([
    listEnvKeys(db(), app.id),
    envPushSummary(db(), app.id),
    releasesOf(db(), app.id),
    rollbackTargets(db(), app.id),
    certificatesOfApp(db(), app.id),
    findWebhook(db(), app.id),
    appMonitors(db(), app.id),
    uptimeOfApp(db(), app.id, new Date()),
    dataServicesOf(app.id, config),
  ]);
  const webServers = placements.filter((p) => p.roles.includes('web')).map((p) => p.server);
  return (
    <>
      <LiveRefresh active={moving} />
      <PageHeader
        title={app.name}
        description={`${config.slug} · ${config.kind} · ${config.domains.join(', ')}`}
        actions={
          <div className="flex gap-2">
            {hasRole(user.role, 'deployer') && <ExportButton action={exportAppDefinition} payload={{ appId: app.id }} label="Export" />}
            {canManage && <ConfigureButton appId={app.id} />}
          </div>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <HealthCard appId={app.id} monitors={monitors} uptime={uptime} />
        <ReleasesCard
          app={app}
          canDeploy={hasRole(user.role, 'deployer')}
          list={releaseList}
          choice={rollbackChoice}
          servers={placements.length}
        />
        <EnvCard appId={app.id} keyCount={envKeys.length} latest={envPush.latest} pending={envPush.pending} />
        <BackupsCard appId={app.id} policies={config.backups} />
        {config.kind === 'php' && (
          <Card title="PHP-FPM pool" description={`PHP ${config.phpVersion}, pm ${config.pool.pm}. Changes apply without a release.`}>
            {canManage ? (
              <PoolForm appId={app.id} pool={config.pool} />
            ) : (
              <p className="text-sm">max_children: {config.pool.maxChildren}</p>
            )}
          </Card>
        )}
        {canManage ? (
          <Card title="Settings" description="Saved settings apply by configuring again: no release.">
            <SettingsForm appId={app.id} name={app.name} config={config} texts={settingsTexts(config, serverNameById)} />
          </Card>
        ) : (
          <Card title="Settings">
            <AppSummary config={config} />
          </Card>
        )}
        {canManage && (
          <Card title="Servers and roles" description="Web serves HTTP; worker runs queue workers and the scheduler.">
            <PlacementForm
              appId={app.id}
              servers={allServers
                .filter((s) => s.provisionedAt)
                .map((s) => ({ id: s.id, name: s.name, roles: rolesById.get(s.id) ?? null }))}
            />
          </Card>
        )}
        {drift.length > 0 && (
          <Card
            title="Changed outside Berth"
            description="The last drift check found the app's files on a server differing from Berth's plan."
          >
            <DriftFindings findings={drift} canAct={canManage} />
          </Card>
        )}
        {canManage && (
          <Card title="Pending changes" description="What configuring now would change on each server, as a diff.">
            <PendingChanges appId={app.id} />
          </Card>
        )}
        <DataServicesCard config={config} envKeys={envKeys} data={dataServices} />
        <TlsCard appId={app.id} config={config} canManage={canManage} certificates={certificates} web={webServers} />
        <WebhookCard appId={app.id} branch={config.branch} canManage={canManage} hook={hook} />
        {runs.map(({ server, roles, run, tasks }) => (
          <Card key={server.id} title={`On ${server.name}`} description={`${roles.join(' + ')} · the latest configure run.`}>
            <div data-testid={`app-server-${server.name}`}>
              {run ? <RunView run={run} tasks={tasks} /> : <p className="text-sm text-slate-600">Not configured yet.</p>}
            </div>
          </Card>
        ))}
      </div>
    </>
  );
}

import { AppSummary } from '@/components/apps/app-summary';
import { DataServicesCard } from '@/components/apps/data-services-card';
import { DeleteAppCard } from '@/components/apps/delete-app-card';
import { DeployKeyCard } from '@/components/apps/deploy-key-card';
import { PendingChanges } from '@/components/apps/pending-changes';
import { PlacementForm } from '@/components/apps/placement-form';
import { PoolForm } from '@/components/apps/pool-form';
import { SettingsForm } from '@/components/apps/settings-form';
import { TlsCard } from '@/components/apps/tls-card';
import { DriftFindings } from '@/components/drift/drift-findings';
import { Card } from '@/components/ui/card';
import { db } from '@/db';
import { certificatesOfApp } from '@/db/queries/certificates';
import { findingsOfApp } from '@/db/queries/drift';
import { listEnvKeys } from '@/db/queries/env-values';
import { listServers } from '@/db/queries/servers';
import { serversOfApp } from '@/db/queries/apps';
import { dataServerOf, dataServiceWarnings } from '@/lib/apps/data-services';
import { settingsTexts } from '@/lib/apps/form-lines';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { findingRow } from '@/lib/drift/view';
import type { AppConfig } from '@/lib/model/app-config';
import { appOf, serverRunsOf } from '../app-of';
import { ServerRunCards } from '../server-run-cards';

/** Where the app's database and Redis user live, with their last configure warnings; null when it has neither. */
async function dataServicesOf(appId: string, config: AppConfig) {
  if (!config.dataServices.postgres && !config.dataServices.redis) return null;
  const data = await dataServerOf(db(), appId);
  return { ...data, warnings: data.server ? await dataServiceWarnings(db(), appId, data.server.id) : [] };
}

/**
 * Settings: everything configuring applies (settings, pool, servers, data services, TLS), what
 * differs on the servers (drift, pending changes), and each server's latest configure run, so a
 * save is followed on the page where it was made (each form refreshes the page once; the new runs
 * then follow their own event streams).
 */
export default async function AppSettingsPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const app = await appOf((await params).id);
  const { config } = app;
  const canManage = hasRole(user.role, 'admin');
  const runs = await serverRunsOf(app.id);
  const serverNames = new Map(runs.map((r) => [r.server.id, r.server.name]));
  const rolesById = new Map(runs.map((r) => [r.server.id, r.roles]));
  const drift = (await findingsOfApp(db(), app.id)).map((f) => findingRow(f, serverNames.get(f.serverId) ?? 'a removed server', canManage));
  const allServers = canManage ? await listServers(db()) : [];
  // Placements being taken off (removingAt): not offered as roles, but their removal can be retried.
  const removing = canManage ? (await serversOfApp(db(), app.id)).filter((s) => !rolesById.has(s.id)) : [];
  const [envKeys, certificates, dataServices] = await Promise.all([
    listEnvKeys(db(), app.id),
    certificatesOfApp(db(), app.id),
    dataServicesOf(app.id, config),
  ]);
  const webServers = runs.filter((r) => r.roles.includes('web')).map((r) => r.server);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      {canManage ? (
        <Card title="Settings" description="Saved settings apply by configuring again: no release.">
          <SettingsForm
            appId={app.id}
            name={app.name}
            config={config}
            texts={settingsTexts(config, new Map(allServers.map((s) => [s.id, s.name])))}
          />
        </Card>
      ) : (
        <Card title="Settings">
          <AppSummary config={config} />
        </Card>
      )}
      {config.kind === 'php' && (
        <Card title="PHP-FPM pool" description={`PHP ${config.phpVersion}, pm ${config.pool.pm}. Changes apply without a release.`}>
          {canManage ? <PoolForm appId={app.id} pool={config.pool} /> : <p className="text-sm">max_children: {config.pool.maxChildren}</p>}
        </Card>
      )}
      {canManage && (
        <Card title="Servers and roles" description="Web serves HTTP; worker runs queue workers and the scheduler.">
          <PlacementForm
            appId={app.id}
            servers={allServers
              .filter((s) => s.provisionedAt && !removing.some((r) => r.id === s.id))
              .map((s) => ({ id: s.id, name: s.name, roles: rolesById.get(s.id) ?? null }))}
            removing={removing.map((s) => ({ id: s.id, name: s.name }))}
          />
        </Card>
      )}
      <ServerRunCards runs={runs} />
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
      <DeployKeyCard appId={app.id} canManage={canManage} />
      <DeleteAppCard appId={app.id} canManage={canManage} />
    </div>
  );
}

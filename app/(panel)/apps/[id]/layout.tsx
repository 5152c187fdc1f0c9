import type { Metadata } from 'next';
import { ConfigureButton } from '@/components/apps/pool-form';
import { DeployForm } from '@/components/apps/release-forms';
import { ExportButton } from '@/components/definitions/export-button';
import { exportAppDefinition } from '@/app/(panel)/definitions/actions';
import { db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { appOf } from './app-of';
import { AppTabBar } from './tab-bar';

type Params = { params: Promise<{ id: string }> };

/** "<app> · Berth" on every tab (the root layout's template adds the suffix). */
export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await requireUser();
  return { title: (await appOf((await params).id)).name };
}

/**
 * The frame every tab of an app shares: its name, the primary actions (Deploy, Configure, Export:
 * reachable whichever tab is open) and the tab bar. Each tab is its own route below this one.
 */
export default async function AppLayout({ params, children }: Params & { children: React.ReactNode }) {
  const user = await requireUser();
  const app = await appOf((await params).id);
  const { config } = app;
  const canDeploy = hasRole(user.role, 'deployer');
  const servers = canDeploy ? (await placementsOfApp(db(), app.id)).length : 0;
  return (
    <>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight break-words">{app.name}</h1>
          <p className="mt-1 text-sm break-words text-slate-600">{`${config.slug} · ${config.kind} · ${config.domains.join(', ')}`}</p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          {canDeploy && config.repository && (
            <DeployForm
              appId={app.id}
              branch={config.branch}
              canary={servers > 1}
              migrates={config.release.hooks.some((h) => h.migration)}
            />
          )}
          {canDeploy && <ExportButton action={exportAppDefinition} payload={{ appId: app.id }} label="Export" />}
          {hasRole(user.role, 'admin') && <ConfigureButton appId={app.id} />}
        </div>
      </div>
      <AppTabBar appId={app.id} />
      {children}
    </>
  );
}

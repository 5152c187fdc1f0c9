import { ReleasesCard } from '@/components/apps/releases-card';
import { WebhookCard } from '@/components/apps/webhook-card';
import { pageParam } from '@/components/releases/release-row-text';
import { LiveRefresh } from '@/components/live-refresh';
import { db } from '@/db';
import { activeRelease, releasePage } from '@/db/queries/releases';
import { findWebhook } from '@/db/queries/webhooks';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { rollbackTargets } from '@/lib/releases/rollback-targets';
import { appOf } from '../app-of';

/** Rows per page: a screenful, so the rollback buttons of the kept deploys are on page 1. */
const PAGE_SIZE = 20;

/** Deployments: the release history (paginated, with rollback) and the push-to-deploy webhook. */
export default async function AppDeploymentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser();
  const app = await appOf((await params).id);
  const page = pageParam((await searchParams).page);
  const [data, choice, hook, active] = await Promise.all([
    releasePage(db(), app.id, page, PAGE_SIZE),
    rollbackTargets(db(), app.id),
    findWebhook(db(), app.id),
    activeRelease(db(), app.id),
  ]);
  return (
    <>
      <LiveRefresh active={!!active} />
      <div className="space-y-6">
        <ReleasesCard app={app} canDeploy={hasRole(user.role, 'deployer')} data={data} choice={choice} />
        <WebhookCard appId={app.id} branch={app.config.branch} canManage={hasRole(user.role, 'admin')} hook={hook} />
      </div>
    </>
  );
}

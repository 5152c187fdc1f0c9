import Link from 'next/link';
import { AppsTable, ServersTable } from '@/components/dashboard/overview-tables';
import { LiveRefresh } from '@/components/live-refresh';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { overviewApps, overviewServers, OVERVIEW_SORTS } from '@/db/queries/dashboard-overview';
import { requireUser } from '@/lib/auth/session';
import { z } from 'zod';

export const metadata = { title: 'Overview' };

// A bad ?sort= falls back to the name order rather than an error page.
const sortInput = z.enum(OVERVIEW_SORTS).catch('name');

/** Every app and server at a glance; every signed-in user may view it. */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const raw = (await searchParams).sort;
  const sort = sortInput.parse(Array.isArray(raw) ? raw[0] : raw);
  const now = new Date();
  const apps = await overviewApps(db(), sort, now);
  const servers = await overviewServers(db(), sort, now);
  if (apps.length === 0 && servers.length === 0) {
    return (
      <>
        <PageHeader title="Overview" description={`Signed in as ${user.name}.`} />
        <EmptyState title="Nothing deployed yet">
          Add a server over SSH, then create an app on it. Its releases, health and alerts will show here.{' '}
          <Link href="/servers" className="font-medium text-indigo-700 underline">
            Go to Servers
          </Link>
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <LiveRefresh active ms={30_000} />
      <PageHeader title="Overview" description={`Signed in as ${user.name}. Click a column to sort; an app opens its health dashboard.`} />
      <div className="grid gap-6">
        <Card title="Apps" description="Status is the worst state of the app's monitors; uptime counts its checks over the last 24 h.">
          {apps.length === 0 ? (
            <p className="text-sm text-slate-600">
              No apps yet.{' '}
              <Link href="/apps/new" className="text-indigo-700 underline">
                Create one
              </Link>{' '}
              once a server is provisioned.
            </p>
          ) : (
            <AppsTable apps={apps} sort={sort} now={now} />
          )}
        </Card>
        <Card title="Servers" description="Status from the last contact over SSH; load and memory from the newest sample.">
          {servers.length === 0 ? (
            <p className="text-sm text-slate-600">No servers yet.</p>
          ) : (
            <ServersTable servers={servers} sort={sort} now={now} />
          )}
        </Card>
      </div>
    </>
  );
}

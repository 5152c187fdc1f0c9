import { notFound } from 'next/navigation';
import { z } from 'zod';
import { ConfigureButton, PoolForm } from '@/components/apps/pool-form';
import { LiveRefresh } from '@/components/live-refresh';
import { RunView } from '@/components/servers/run-view';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db';
import { findApp, latestAppRun, serversOfApp } from '@/db/queries/apps';
import { tasksOf } from '@/db/queries/runs';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';

export default async function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  if (!app) notFound();
  const servers = await serversOfApp(db(), app.id);
  const runs = await Promise.all(
    servers.map(async (server) => {
      const run = await latestAppRun(db(), app.id, server.id);
      return { server, run, tasks: run ? await tasksOf(db(), run.id) : [] };
    }),
  );
  const moving = runs.some((r) => r.run?.status === 'queued' || r.run?.status === 'running');
  const canManage = hasRole(user.role, 'admin');
  const { config } = app;
  return (
    <>
      <LiveRefresh active={moving} />
      <PageHeader title={app.name} description={`${config.slug} · ${config.kind} · ${config.domains.join(', ')}`} actions={canManage && <ConfigureButton appId={app.id} />} />
      <div className="grid gap-6 lg:grid-cols-2">
        {config.kind === 'php' && (
          <Card title="PHP-FPM pool" description={`PHP ${config.phpVersion}, pm ${config.pool.pm}. Changes apply without a release.`}>
            {canManage ? <PoolForm appId={app.id} maxChildren={config.pool.maxChildren} /> : <p className="text-sm">max_children: {config.pool.maxChildren}</p>}
          </Card>
        )}
        {runs.map(({ server, run, tasks }) => (
          <Card key={server.id} title={`On ${server.name}`} description="The latest configure run.">
            <div data-testid={`app-server-${server.name}`}>{run ? <RunView run={run} tasks={tasks} /> : <p className="text-sm text-slate-600">Not configured yet.</p>}</div>
          </Card>
        ))}
      </div>
    </>
  );
}

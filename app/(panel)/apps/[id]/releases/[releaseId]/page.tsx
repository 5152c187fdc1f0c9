import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { LiveRefresh } from '@/components/live-refresh';
import { RunView } from '@/components/servers/run-view';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findRelease, runsOfRelease } from '@/db/queries/releases';
import { tasksOf } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import { requireUser } from '@/lib/auth/session';

/** One release: its outcome and, per server, every step with its log (refreshed while it runs). */
export default async function ReleasePage({ params }: { params: Promise<{ id: string; releaseId: string }> }) {
  await requireUser();
  const ids = z.object({ id: z.uuid(), releaseId: z.uuid() }).safeParse(await params);
  const release = ids.success ? await findRelease(db(), ids.data.releaseId) : undefined;
  const app = release && release.appId === ids.data?.id ? await findApp(db(), release.appId) : undefined;
  if (!release || !app) notFound();
  const runs = await Promise.all((await runsOfRelease(db(), release.id)).map(async (run) => ({ run, tasks: await tasksOf(db(), run.id), server: await findServer(db(), run.serverId) })));
  const moving = release.status === 'queued' || release.status === 'running';
  const title = release.kind === 'deploy' ? `Release #${release.number}` : `Rollback to ${release.ref}`;
  return (
    <>
      <LiveRefresh active={moving} />
      <PageHeader title={title} description={`${app.name} · ${release.sha?.slice(0, 10) ?? release.ref} ${release.subject ?? ''}`} actions={<Link href={`/apps/${app.id}`} className="text-sm text-indigo-700">Back to the app</Link>} />
      <div data-testid="release" data-status={release.status} data-failed-step={release.failedStep ?? ''} className="mb-4 text-sm">
        <p>Status: <strong>{release.status.replace('_', ' ')}</strong>{release.failedStep && ` at ${release.failedStep}`}</p>
        {release.error && <pre className="mt-2 whitespace-pre-wrap text-red-700" role="alert">{release.error}</pre>}
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        {runs.map(({ run, tasks, server }) => (
          <Card key={run.id} title={`${run.recipe === 'rollback' ? 'Rollback on' : 'On'} ${server?.name ?? 'a removed server'}`}>
            <div data-testid={`release-server-${server?.name}`}><RunView run={run} tasks={tasks} /></div>
          </Card>
        ))}
      </div>
    </>
  );
}

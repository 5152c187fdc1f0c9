import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { bytesText, durationText, minuteText } from '@/components/backups/format';
import { RUN_TONE } from '@/components/backups/runs-table';
import { StageBadges } from '@/components/backups/stage-badges';
import { LiveRefresh } from '@/components/live-refresh';
import { RunView } from '@/components/servers/run-view';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { TabHeader } from '../../tab-header';
import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findBackupRun } from '@/db/queries/backups';
import { findRun, tasksOf } from '@/db/queries/runs';
import { requireUser } from '@/lib/auth/session';

/** One backup run: its stages and outcome, what its manifest recorded, and the per-task log of the recipe run behind it. */
export default async function BackupRunPage({ params }: { params: Promise<{ id: string; runId: string }> }) {
  await requireUser();
  const ids = z.object({ id: z.uuid(), runId: z.uuid() }).safeParse(await params);
  const run = ids.success ? await findBackupRun(db(), ids.data.runId) : undefined;
  const app = run && run.appId === ids.data?.id ? await findApp(db(), run.appId) : undefined;
  if (!run || !app) notFound();
  const recipeRun = run.recipeRunId ? await findRun(db(), run.recipeRunId) : undefined;
  const tasks = recipeRun ? await tasksOf(db(), recipeRun.id) : [];
  const moving = run.status === 'queued' || run.status === 'running';
  const tables = Object.entries(run.manifest?.tables ?? {});
  return (
    <>
      <LiveRefresh active={moving} ms={1500} />
      <TabHeader
        title={`${run.kind[0]!.toUpperCase()}${run.kind.slice(1)} of ${run.policy}`}
        description={`To ${run.targetName} · queued ${minuteText(run.createdAt)}`}
        actions={
          <Link className="text-sm text-indigo-700 hover:underline" href={`/apps/${app.id}/backups`}>
            Back to backups
          </Link>
        }
      />
      <div className="space-y-6" data-testid="backup-run-detail" data-status={run.status} data-kind={run.kind}>
        <Card>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <Badge tone={RUN_TONE[run.status]}>{run.status}</Badge>
            {run.kind === 'backup' && <StageBadges run={run} />}
            <span>size {bytesText(run.sizeBytes)}</span>
            <span>took {durationText(run.durationMs)}</span>
            {run.snapshotId && <span className="font-mono text-xs">snapshot {run.snapshotId.slice(0, 12)}</span>}
            {run.sourceRunId && (
              <Link className="text-indigo-700 hover:underline" href={`/apps/${app.id}/backups/${run.sourceRunId}`}>
                source backup
              </Link>
            )}
          </div>
          {run.error && (
            <p role="alert" className="mt-3 whitespace-pre-wrap rounded bg-red-50 p-2 font-mono text-xs text-red-900">
              {run.failedStage ? `${run.failedStage}: ` : ''}
              {run.error}
            </p>
          )}
          {run.detail && (
            <p className="mt-3 text-xs text-slate-600">
              {Object.entries(run.detail)
                .map(([k, v]) => `${k}: ${v}`)
                .join(' · ')}
            </p>
          )}
        </Card>
        {run.manifest && (
          <Card title="Manifest" description="Recorded at dump time; drills compare restores with it.">
            <div className="space-y-2 text-sm">
              {run.manifest.dump && (
                <p className="font-mono text-xs">
                  {run.manifest.dump.database} · {bytesText(run.manifest.dump.bytes)} · sha256 {run.manifest.dump.sha256}
                </p>
              )}
              {tables.length > 0 && <p className="text-xs">{tables.map(([t, n]) => `${t}: ${n} rows`).join(' · ')}</p>}
              {run.manifest.files && <p className="text-xs">{run.manifest.files.length} sampled files with their hashes</p>}
              {run.manifest.config && <p className="text-xs">config: {run.manifest.config.join(', ')}</p>}
            </div>
          </Card>
        )}
        <Card title="Log" description="Every task of the run on the server, with its output.">
          {recipeRun ? <RunView run={recipeRun} tasks={tasks} /> : <p className="text-sm text-slate-600">No server log for this run.</p>}
        </Card>
      </div>
    </>
  );
}

import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { SnapshotSection } from '@/components/apps/snapshot-section';
import { CancelRelease } from '@/components/releases/cancel-release';
import { ReleaseLog } from '@/components/releases/release-log';
import { TabHeader } from '../../tab-header';
import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findRelease } from '@/db/queries/releases';
import { tasksOf } from '@/db/queries/runs';
import { restoreRunsOfRelease, snapshotsOfRelease } from '@/db/queries/snapshots';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { loadLiveState } from '@/lib/releases/live-load';

/** One release: its outcome and every step per server with its log, rendered here and then followed live (ReleaseLog, SSE). */
export default async function ReleasePage({ params }: { params: Promise<{ id: string; releaseId: string }> }) {
  const user = await requireUser();
  const ids = z.object({ id: z.uuid(), releaseId: z.uuid() }).safeParse(await params);
  const release = ids.success ? await findRelease(db(), ids.data.releaseId) : undefined;
  const app = release && release.appId === ids.data?.id ? await findApp(db(), release.appId) : undefined;
  if (!release || !app) notFound();
  const live = await loadLiveState(db(), release.id);
  if (!live) notFound();
  const snapshots = await snapshotsOfRelease(db(), release.id);
  const [latestRestore] = snapshots.length ? await restoreRunsOfRelease(db(), release.id) : [];
  // The release log shows the release's own runs; a restore's log is shown with its snapshot.
  const restoreLog = latestRestore ? (await tasksOf(db(), latestRestore.id)).map((t) => t.log).join('') : '';
  const title = release.kind === 'deploy' ? `Release #${release.number}` : `Rollback to ${release.ref}`;
  return (
    <>
      <TabHeader
        title={title}
        description={`${release.sha?.slice(0, 10) ?? release.ref} ${release.subject ?? ''}`}
        actions={
          <div className="flex items-center gap-3">
            {(release.status === 'queued' || release.status === 'running') && hasRole(user.role, 'deployer') && (
              <CancelRelease releaseId={release.id} />
            )}
            <Link href={`/apps/${app.id}/deployments`} className="text-sm text-indigo-700">
              All releases
            </Link>
          </div>
        }
      />
      <ReleaseLog initial={live} />
      <SnapshotSection
        appId={app.id}
        slug={app.config.slug}
        snapshots={snapshots}
        latest={latestRestore}
        log={restoreLog}
        canRestore={hasRole(user.role, 'admin')}
      />
    </>
  );
}

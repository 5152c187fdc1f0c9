import { db, type Db } from '@/db';
import { deletedAppEvent, latestTeardowns } from '@/db/queries/app-deletes';
import { findApp } from '@/db/queries/apps';
import type { DeleteReport } from './delete-job';

/** One server's teardown as the page shows it: what went, and if it failed, which step and why. */
export type TeardownState = {
  server: string;
  status: string;
  removed: string[];
  failed: { task: string | null; error: string } | null;
};

export type DeleteStatus =
  | { state: 'present' | 'deleting'; slug: string; servers: TeardownState[] }
  | { state: 'deleted'; report: DeleteReport }
  | { state: 'unknown' };

/** Where a delete (or a server's removal) stands: per server while the app exists, then the report its last step wrote. */
export async function deleteStatus(db: Db, appId: string): Promise<DeleteStatus> {
  const app = await findApp(db, appId);
  if (!app) {
    const event = await deletedAppEvent(db, appId);
    return event ? { state: 'deleted', report: event.details as DeleteReport } : { state: 'unknown' };
  }
  const servers = (await latestTeardowns(db, appId)).map(
    (t): TeardownState => ({
      server: t.serverName,
      status: t.run.status,
      removed: t.tasks.filter((task) => task.status === 'changed' && task.summary).map((task) => `${task.name}: ${task.summary}`),
      failed:
        t.run.status === 'failed' || t.run.status === 'interrupted' ? { task: t.run.failedTask, error: t.run.error ?? t.run.status } : null,
    }),
  );
  return { state: app.deletingAt ? 'deleting' : 'present', slug: app.slug, servers };
}

const settled = (s: DeleteStatus) => s.state !== 'deleting' || s.servers.every((t) => t.status !== 'queued' && t.status !== 'running');

/**
 * Waits (a bounded time, reading the database only) for a delete's teardowns to end, so the form
 * can show what was removed in place: once the app is gone its page no longer exists. Past the
 * limit it returns where things stand; the card then follows the rest.
 */
export async function awaitDelete(db: Db, appId: string, limitMs: number, pollMs = 500): Promise<DeleteStatus> {
  const until = Date.now() + limitMs;
  for (;;) {
    const status = await deleteStatus(db, appId);
    if (settled(status) || Date.now() >= until) return status;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** What the delete card shows (components/apps/delete-app-card.tsx loads it itself). */
export async function loadDeleteCard(appId: string): Promise<{ slug: string; hasData: boolean; status: DeleteStatus } | undefined> {
  const app = await findApp(db(), appId);
  if (!app) return undefined;
  const { postgres, redis } = app.config.dataServices;
  return { slug: app.slug, hasData: postgres || redis, status: await deleteStatus(db(), appId) };
}

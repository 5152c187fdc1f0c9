import { PgBoss, fromPglite } from 'pg-boss';
import type { DbClient } from '@/db/client';

/**
 * One durable queue for all per-server work (pg-boss, in the panel's own database).
 * `key_strict_fifo` keyed by server: one job at a time per server, in order, while other
 * servers proceed. Handlers record outcomes in Berth's tables and complete the job; a job can
 * still end `failed` in pg-boss (expired, the panel stopped or crashed mid-job), and a failed
 * job blocks its key, so the sweep below hands such jobs to `lost` and deletes them.
 */
export const WORK_QUEUE = 'berth-work';
/** A cron-scheduled tick (pg-boss dedupes schedules across panel processes). */
export const TICK_QUEUE = 'berth-tick';

export type JobPayload =
  | { kind: 'provision'; runId: string }
  | { kind: 'configure'; runId: string }
  /** Take an app off one server (a delete, or removing the server from it): lib/apps/delete-job.ts. */
  | { kind: 'teardown'; runId: string }
  /** Configure several apps on one server, one after another (an applied definition): each gets its own run when its turn comes. */
  | { kind: 'configure-apps'; serverId: string; appIds: string[]; requestedBy: number | null; handOns?: number }
  | { kind: 'probe'; serverId: string }
  | { kind: 'release'; releaseId: string }
  | { kind: 'snapshot-restore'; runId: string; snapshotId: string }
  /** One job for all of an env push's runs (one per server), each server on its own. */
  | { kind: 'env-push'; appId: string; revision: number; runIds: string[] }
  /** Fetch an ops repository and plan (and maybe apply) its head: one at a time per repository, in push order. */
  | { kind: 'gitops-sync'; repoId: string }
  /** An admin's approval of a waiting commit: on the repository's key, so never beside or ahead of a sync. */
  | { kind: 'gitops-approve'; repoId: string; commitId: string; userId: number }
  /** A backup, verification, drill or restore (lib/backups): keyed by app, one at a time per app. */
  | { kind: 'backup'; runId: string }
  /** "Send test" for a backup target (lib/backups/target-test.ts), from one server: on that server's key. */
  | { kind: 'backup-target-test'; targetId: string; serverId: string }
  /** The panel's own backup (lib/backups/panel-schedule*.ts), in the panel's worker: on key `backup:panel`. */
  | { kind: 'panel-backup'; scheduledFor?: string; requestedBy?: number | null };

export type JobHandlers = {
  run(payload: JobPayload, signal: AbortSignal): Promise<void>;
  /** A job that ended without its handler finishing: mark what it was doing as interrupted. */
  lost(payload: JobPayload): Promise<void>;
  tick(): Promise<void>;
};

/** Longer than the longest task (an apt install may take 20 minutes). */
const EXPIRE_SECONDS = 60 * 60;
/**
 * Backup work (a dump, upload and read-back of a large database, a drill or a restore) may run
 * for hours: its tasks' own limit is 6 h (lib/recipes/backup/context.ts LONG_MS); the job must
 * outlive them, or pg-boss would abort a healthy run at the hour.
 */
const BACKUP_EXPIRE_SECONDS = 6 * 60 * 60 + 15 * 60;

/** Unblocks server keys held by failed jobs. */
async function sweepFailed(boss: PgBoss, lost: JobHandlers['lost']): Promise<void> {
  for (const key of await boss.getBlockedKeys(WORK_QUEUE)) {
    for (const job of await boss.findJobs<JobPayload>(WORK_QUEUE, { key })) {
      if (job.state !== 'failed') continue;
      await lost(job.data).catch((err) => console.error('berth: marking a lost job failed:', err));
      await boss.deleteJob(WORK_QUEUE, job.id);
    }
  }
}

export type Jobs = {
  send(payload: JobPayload, key: string): Promise<string>;
  stop(): Promise<void>;
};

function newBoss(client: DbClient, databaseUrl: string | undefined): PgBoss {
  if (client.kind === 'pglite') return new PgBoss({ db: fromPglite(client.pglite), backend: 'pglite', useListenNotify: true });
  return new PgBoss({ connectionString: databaseUrl!, useListenNotify: true, max: 4 });
}

export async function startJobs(client: DbClient, databaseUrl: string | undefined, handlers: JobHandlers | null): Promise<Jobs> {
  const boss = newBoss(client, databaseUrl);
  boss.on('error', (err) => console.error(`berth: job queue: ${err.message}`));
  await boss.start();
  for (const [name, options] of [
    [WORK_QUEUE, { policy: 'key_strict_fifo', heartbeatSeconds: 30, notify: true, retryLimit: 0, expireInSeconds: EXPIRE_SECONDS }],
    [TICK_QUEUE, { policy: 'singleton', retryLimit: 0 }],
  ] as const) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
  }
  // Loads the queue metadata now: a first send() inside a request could otherwise stall on PGlite.
  await boss.findJobs(WORK_QUEUE, { queued: true });

  if (handlers) {
    // On PGlite this is the only process: whatever is still active was left by a dead one.
    if (client.kind === 'pglite') {
      const orphans = (await boss.findJobs(WORK_QUEUE)).filter((j) => j.state === 'active');
      if (orphans.length)
        await boss.fail(
          WORK_QUEUE,
          orphans.map((j) => j.id),
        );
    }
    await sweepFailed(boss, handlers.lost);
    await boss.work<JobPayload>(WORK_QUEUE, { localConcurrency: 4, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      try {
        await handlers.run(job.data, job.signal);
      } catch (err) {
        console.error(`berth: job ${job.data.kind} crashed:`, err);
      }
    });
    await boss.work(TICK_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      await sweepFailed(boss, handlers.lost).catch((err) => console.error('berth: sweep failed:', err));
      await handlers.tick().catch((err) => console.error('berth: tick failed:', err));
    });
    await boss.schedule(TICK_QUEUE, '* * * * *');
  }

  return {
    async send(payload, key) {
      const long = payload.kind === 'backup' || payload.kind === 'panel-backup';
      const id = await boss.send(WORK_QUEUE, payload, { singletonKey: key, ...(long && { expireInSeconds: BACKUP_EXPIRE_SECONDS }) });
      if (!id) throw new Error('the job queue refused the job');
      return id;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

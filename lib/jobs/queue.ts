import { PgBoss, fromPglite } from 'pg-boss';
import type { DbClient } from '@/db/client';

/**
 * One durable queue for all per-server work (pg-boss, in the panel's own database).
 * `key_strict_fifo` keyed by server: one job at a time per server, in order, while other
 * servers proceed. Jobs never fail inside pg-boss (a failed job would block its key): the
 * outcome is recorded in Berth's tables and the job completes.
 */
export const WORK_QUEUE = 'berth-work';
/** A cron-scheduled tick (pg-boss dedupes schedules across panel processes). */
export const TICK_QUEUE = 'berth-tick';

export type JobPayload = { kind: 'provision'; runId: string } | { kind: 'probe'; serverId: string };

export type JobHandlers = {
  run(payload: JobPayload, signal: AbortSignal): Promise<void>;
  tick(): Promise<void>;
};

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
    [WORK_QUEUE, { policy: 'key_strict_fifo', heartbeatSeconds: 30, notify: true, retryLimit: 0 }],
    [TICK_QUEUE, { policy: 'singleton', retryLimit: 0 }],
  ] as const) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
  }
  // Loads the queue metadata now: a first send() inside a request could otherwise stall on PGlite.
  await boss.findJobs(WORK_QUEUE, { queued: true });

  if (handlers) {
    await boss.work<JobPayload>(WORK_QUEUE, { localConcurrency: 4, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      try {
        await handlers.run(job.data, job.signal);
      } catch (err) {
        console.error(`berth: job ${job.data.kind} crashed:`, err);
      }
    });
    await boss.work(TICK_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      await handlers.tick().catch((err) => console.error('berth: tick failed:', err));
    });
    await boss.schedule(TICK_QUEUE, '* * * * *');
  }

  return {
    async send(payload, key) {
      const id = await boss.send(WORK_QUEUE, payload, { singletonKey: key });
      if (!id) throw new Error('the job queue refused the job');
      return id;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

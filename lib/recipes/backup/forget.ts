import { changed, type Task, unchanged } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { forgetCmd } from './restic';

/**
 * Retention after a verified backup: the job decides (GFS, lib/backups/retention.ts, never the
 * newest verified backup, only backups on this run's target), restic forgets those snapshots and
 * prunes what only they used. The backup is uploaded and verified by now: a failing forget (a
 * lock held by another restic, a target refusing deletes) is a warning on the run
 * (detail.retentionError), never a failed backup; the next backup's retention tries again.
 */
export const forget: Task<BackupContext> = {
  name: 'forget',
  async run(ctx, { transport, log, signal }) {
    const plan = await ctx.planForget();
    if (plan.snapshotIds.length === 0) return unchanged('retention keeps every backup');
    log(`forgetting ${plan.snapshotIds.length} snapshots: ${plan.snapshotIds.map((s) => s.slice(0, 8)).join(' ')}`);
    try {
      await transport.exec(forgetCmd(ctx.repo, plan.snapshotIds), { signal, timeoutMs: LONG_MS, onLine: (_s, line) => log(line) });
    } catch (err) {
      if (signal.aborted) throw err;
      const message = `retention failed, the backup itself is kept: ${(err as Error).message}`.slice(0, 1000);
      log(`warning: ${message}`);
      ctx.out.detail.retentionError = message;
      return unchanged(`retention failed (the backup is uploaded and verified): ${(err as Error).message.split('\n')[0]}`);
    }
    await ctx.markForgotten(plan.runIds);
    return changed(`${plan.snapshotIds.length} old backups forgotten and pruned`);
  },
};

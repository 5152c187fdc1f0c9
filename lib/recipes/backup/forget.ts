import { changed, type Task, unchanged } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { forgetCmd } from './restic';

/**
 * Retention after a verified backup: the job decides (GFS, lib/backups/retention.ts, never the
 * newest verified backup), restic forgets those snapshots and prunes what only they used.
 */
export const forget: Task<BackupContext> = {
  name: 'forget',
  async run(ctx, { transport, log, signal }) {
    const plan = await ctx.planForget();
    if (plan.snapshotIds.length === 0) return unchanged('retention keeps every backup');
    log(`forgetting ${plan.snapshotIds.length} snapshots: ${plan.snapshotIds.map((s) => s.slice(0, 8)).join(' ')}`);
    await transport.exec(forgetCmd(ctx.repo, plan.snapshotIds), { signal, timeoutMs: LONG_MS, onLine: (_s, line) => log(line) });
    await ctx.markForgotten(plan.runIds);
    return changed(`${plan.snapshotIds.length} old backups forgotten and pruned`);
  },
};

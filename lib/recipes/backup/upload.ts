import { formatBytes } from '../release/snapshot';
import { changed, type Task } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { backupCmd, fullSnapshotId, parseBackupSummary, snapshotFilesCmd } from './restic';

/**
 * One restic snapshot of the staging directory (dump, roles.sql, manifest.json), the app's
 * shared paths and its /etc files, encrypted on the server before anything leaves it. restic
 * exits 3 when it could not read some of its sources: that fails here like any other error.
 */
export const upload: Task<BackupContext> = {
  name: 'upload',
  async run(ctx, { transport, log, signal }) {
    const included = ctx.out.included ?? [ctx.paths.stage];
    log(`restic backup of ${included.join(' ')}`);
    const out = await transport.exec(backupCmd(ctx.repo, { slug: ctx.slug, runId: ctx.runId }, included), {
      signal,
      timeoutMs: LONG_MS,
      onLine: (stream, line) => {
        if (stream === 'stderr' || !line.includes('"message_type":"status"')) log(line);
      },
    });
    const summary = parseBackupSummary(out.stdout);
    // The full id from the snapshot's file name on the target: a listing, not another restic
    // command (each one derives the repository key again, about a second).
    const listed = await transport.exec(snapshotFilesCmd(ctx.repo), { signal, timeoutMs: 5 * 60_000 });
    const snapshotId = fullSnapshotId(listed.stdout, summary.snapshotId);
    ctx.out.snapshotId = snapshotId;
    await ctx.record({ uploadedAt: ctx.now(), snapshotId, sizeBytes: summary.bytes });
    return changed(
      `snapshot ${snapshotId.slice(0, 8)}: ${formatBytes(summary.bytes)} in ${summary.files} files, ${formatBytes(summary.added)} new on the target`,
    );
  },
};

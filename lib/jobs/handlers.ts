import type { Db } from '@/db';
import { deleteSamplesBefore, findServer, updateServer } from '@/db/queries/servers';
import { interruptRun, interruptStaleRuns } from '@/db/queries/runs';
import type { KeyRing } from '@/lib/crypto';
import { expireStaleProbes, runProbe } from '@/lib/servers/probe';
import { observeAll } from '@/lib/servers/observe';
import { maybeDetectDrift } from '@/lib/drift/detect';
import { approveOpsCommit, runOpsSync } from '@/lib/gitops/sync';
import { runProvision } from '@/lib/servers/provision';
import { runConfigure, runConfigureApps } from '@/lib/apps/configure-job';
import { runTeardown } from '@/lib/apps/delete-job';
import { interruptRelease, interruptStaleReleases } from '@/db/queries/releases';
import { runRelease } from '@/lib/releases/release-job';
import { checkLockHolds } from '@/lib/releases/lock-holds';
import { runSnapshotRestore } from '@/lib/releases/snapshots';
import { interruptEnvPush, runEnvPush } from '@/lib/env/push-job';
import type { Enqueue } from '@/lib/servers/requests';
import { interruptBackupJob, runBackupJob } from '@/lib/backups/run-job';
import { testTarget } from '@/lib/backups/target-test';
import { tickBackups } from '@/lib/backups/schedule';
import { interruptPanelBackupJob, runPanelBackupJob } from '@/lib/backups/panel-schedule-run';
import type { JobHandlers } from './queue';

/** A run whose worker has not touched it for this long is taken to be dead. */
export const STALE_RUN_MS = 60_000;
const SAMPLE_RETENTION_MS = 7 * 24 * 60 * 60_000;

const refuse: Enqueue = async () => {
  throw new Error('this process cannot queue follow-up work');
};

/** `send` queues follow-up work (a configure-apps job hands on what it could not start). */
export function jobHandlers(db: Db, ring: KeyRing, dataDir: string, send?: Enqueue): JobHandlers {
  return {
    async run(payload, signal) {
      switch (payload.kind) {
        case 'probe':
          return runProbe(db, ring, payload.serverId);
        case 'provision':
          return runProvision(db, ring, payload.runId, signal);
        case 'configure':
          return runConfigure(db, ring, payload.runId, signal);
        case 'configure-apps':
          return runConfigureApps(db, ring, payload, signal, send);
        case 'teardown':
          return runTeardown(db, ring, payload.runId, signal, dataDir);
        case 'release':
          return runRelease(db, ring, payload.releaseId, signal, dataDir, send);
        case 'snapshot-restore':
          return runSnapshotRestore(db, ring, payload.runId, payload.snapshotId, signal);
        case 'env-push':
          return runEnvPush(db, ring, payload, signal);
        case 'gitops-sync':
          return void (await runOpsSync(db, ring, send ?? refuse, dataDir, payload.repoId));
        case 'backup':
          return runBackupJob(db, ring, payload.runId, signal);
        case 'backup-target-test':
          return void (await testTarget(db, ring, payload.targetId, payload.serverId));
        case 'panel-backup':
          return void (await runPanelBackupJob(db, ring, payload));
        case 'gitops-approve':
          // The outcome (applied, or still waiting with the reason) is on the commit; nothing to rethrow to.
          return void (await approveOpsCommit(db, ring, send ?? refuse, dataDir, payload.commitId, payload.userId).catch(() => {}));
      }
    },
    async lost(payload) {
      if (payload.kind === 'release') return interruptRelease(db, payload.releaseId);
      if (payload.kind === 'env-push') return interruptEnvPush(db, payload);
      if (payload.kind === 'backup') return interruptBackupJob(db, payload.runId);
      if (payload.kind === 'backup-target-test') return;
      if (payload.kind === 'panel-backup') return void (await interruptPanelBackupJob(db));
      // configure-apps made its runs as it went: the stale-run sweep interrupts the one it was on.
      if (payload.kind === 'configure-apps' || payload.kind === 'gitops-sync' || payload.kind === 'gitops-approve') return;
      if (payload.kind !== 'probe') return interruptRun(db, payload.runId);
      const server = await findServer(db, payload.serverId);
      if (server && !server.probe) {
        await updateServer(db, server.id, {
          probe: {
            ok: false,
            fingerprint: null,
            algorithm: null,
            error: 'The test was interrupted. Try again.',
            at: new Date().toISOString(),
          },
        });
      }
    },
    async tick() {
      // First, on its own: a hold left in place keeps every Deploy of its app refused.
      await checkLockHolds(db, ring).catch((err: Error) => console.error(`berth: checking release lock holds failed: ${err.message}`));
      await interruptStaleRuns(db, new Date(Date.now() - STALE_RUN_MS), false);
      await interruptStaleReleases(db, new Date(Date.now() - STALE_RUN_MS));
      await expireStaleProbes(db);
      await deleteSamplesBefore(db, new Date(Date.now() - SAMPLE_RETENTION_MS));
      await observeAll(db, ring);
      await maybeDetectDrift(db, ring);
      // Scheduled backups and drills, and each policy's dead man's switch (a heartbeat monitor).
      if (send) await tickBackups(db, ring, send).catch((err: Error) => console.error(`berth: scheduling backups failed: ${err.message}`));
    },
  };
}

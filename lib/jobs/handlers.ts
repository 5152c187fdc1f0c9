import type { Db } from '@/db';
import { interruptStaleRuns } from '@/db/queries/runs';
import type { KeyRing } from '@/lib/crypto';
import { observeAll } from '@/lib/servers/observe';
import { runProbe } from '@/lib/servers/probe';
import { runProvision } from '@/lib/servers/provision';
import type { JobHandlers } from './queue';

/** A run whose worker has not touched it for this long is taken to be dead. */
const STALE_RUN_MS = 60_000;

export function jobHandlers(db: Db, ring: KeyRing): JobHandlers {
  return {
    async run(payload, signal) {
      switch (payload.kind) {
        case 'probe':
          return runProbe(db, ring, payload.serverId);
        case 'provision':
          return runProvision(db, ring, payload.runId, signal);
      }
    },
    async tick() {
      await interruptStaleRuns(db, new Date(Date.now() - STALE_RUN_MS), false);
      await observeAll(db, ring);
    },
  };
}

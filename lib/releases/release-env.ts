import type { Db } from '@/db';
import { envPushStates, recordEnvPush, setEnvPushRevision } from '@/db/queries/env-revisions';
import type { App, Release } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { openEnvRevision } from '@/lib/env/store';
import type { EnvToWrite } from '@/lib/recipes/env/env-file';
import { discardPreviousEnv, restorePreviousEnv } from '@/lib/recipes/env/previous-env';
import type { ReleaseContext, RollbackContext } from '@/lib/recipes/release';
import type { ServerRun } from '@/lib/jobs/runner';

/** The revision the release recorded when it was requested, opened for this run only (never logged). */
export async function envOf(db: Db, ring: KeyRing, app: App, release: Release): Promise<EnvToWrite | undefined> {
  if (!release.envRevision) return undefined;
  const snapshot = await openEnvRevision(db, ring, app.id, release.envRevision).catch((err: Error) => {
    throw Object.assign(new Error(`Could not open env revision ${release.envRevision}: ${err.message}`), { step: 'write-env' });
  });
  return { revision: release.envRevision, values: snapshot.values };
}

/** Which revision each server had before the release, to record again if its file is put back. */
export async function envRevisionsBefore(db: Db, appId: string): Promise<Map<string, number | null>> {
  return new Map((await envPushStates(db, appId)).map((s) => [s.serverId, s.envRevision]));
}

/**
 * Ends the env part of a release wherever `write-env` wrote shared/.env. A release that went
 * live keeps the new file; one that failed (or was rolled back) puts the previous file back,
 * since the live release reads the same file. Returns a note per server where that failed.
 */
export async function settleReleaseEnv(
  db: Db,
  app: App,
  parts: ServerRun<ReleaseContext | RollbackContext>[],
  before: Map<string, number | null>,
  live: boolean,
): Promise<string[]> {
  const notes: string[] = [];
  for (const part of parts) {
    const env = part.ctx.env;
    if (!env?.written) continue;
    const serverId = part.ctx.server.id;
    if (live) {
      await discardPreviousEnv(part.transport, app.config.slug).catch(() => undefined);
      await recordEnvPush(db, app.id, serverId, { revision: env.revision });
      continue;
    }
    try {
      await restorePreviousEnv(part.transport, app.config.slug);
      await setEnvPushRevision(db, app.id, serverId, before.get(serverId) ?? null);
    } catch (err) {
      await recordEnvPush(db, app.id, serverId, { revision: env.revision });
      notes.push(
        `${part.ctx.server.name}: shared/.env still holds revision ${env.revision} (could not put the previous one back: ${(err as Error).message})`,
      );
    }
  }
  return notes;
}

import { randomUUID } from 'node:crypto';
import type { Db } from '@/db';
import { findTarget, updateTarget } from '@/db/queries/backups';
import { findServer } from '@/db/queries/servers';
import type { KeyRing } from '@/lib/crypto';
import { placeSecrets, reachRepository, removeRunFiles } from '@/lib/recipes/backup/prepare';
import { repoOf, runPaths } from '@/lib/recipes/backup/restic';
import { transportFor } from '@/lib/servers/remote';
import { openTargetSecrets } from './targets';

/** The probe repository each target gets beside the apps' ones: opening it proves reach, credentials and the key. */
export const PROBE_REPO = 'berth-target-test';

export type TargetTestResult = { ok: boolean; error: string | null; at: string };

/**
 * "Send test" as a job body: from the chosen server, with the target's sealed credentials sent
 * as 0600 files (removed after), reach the target, then open the probe repository (its config
 * needs the repository key) or make it. Records the outcome on the target (`lastTest`).
 */
export async function testTarget(db: Db, ring: KeyRing, targetId: string, serverId: string): Promise<TargetTestResult> {
  const target = await findTarget(db, targetId);
  const server = await findServer(db, serverId);
  const record = async (error: string | null): Promise<TargetTestResult> => {
    const result = { ok: error === null, error, at: new Date().toISOString() };
    if (target) await updateTarget(db, target.id, { lastTest: result });
    return result;
  };
  if (!target) return { ok: false, error: 'That backup target no longer exists', at: new Date().toISOString() };
  if (!server) return record('That server no longer exists');
  let secrets: ReturnType<typeof openTargetSecrets>;
  try {
    secrets = openTargetSecrets(ring, target);
  } catch (err) {
    return record(`Could not open the target's sealed credentials: ${(err as Error).message}`);
  }
  const secretValues = [secrets.repoKey, ...(secrets.credential ? [secrets.credential] : [])];
  let transport: Awaited<ReturnType<typeof transportFor>>;
  try {
    transport = await transportFor(server, ring, { secrets: secretValues, db });
  } catch (err) {
    return record(`Could not reach ${server.name}: ${(err as Error).message}`);
  }
  const paths = runPaths(PROBE_REPO, randomUUID());
  const repo = repoOf(target.settings, PROBE_REPO, paths);
  try {
    await placeSecrets(transport, { settings: target.settings, ...secrets }, paths);
    // The preflight says in seconds what is wrong (unreachable, credentials, bucket); then one
    // restic command: init when the probe repository is new, else cat config (needs the key).
    await reachRepository(transport, target.settings, repo, { make: true });
    return await record(null);
  } catch (err) {
    return await record(transport.redact((err as Error).message).slice(0, 2000));
  } finally {
    await removeRunFiles(transport, { paths }).catch(() => undefined);
  }
}

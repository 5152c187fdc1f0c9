import type { Db } from '@/db';
import { appsUsingServer, deleteServerRow } from '@/db/queries/app-deletes';
import { activeRunFor } from '@/db/queries/runs';
import type { Server } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { serverOrFail } from './requests';

/**
 * Deletes a server from the panel (its name typed to confirm) once no app uses it: an app still placed there (or still being
 * taken off it) is named, and must be removed from it first, so no app's files are orphaned on a
 * machine the panel forgot. The machine itself is not touched (Berth's key stays authorized
 * there until its owner removes it). The panel's rows for it go: samples, runs, findings.
 */
export async function deleteServer(db: Db, serverId: string, confirmName: string): Promise<Server> {
  const server = await serverOrFail(db, serverId);
  if (confirmName.trim() !== server.name)
    throw new ActionError('Type the server’s name to confirm.', { confirmName: [`Type ${server.name} exactly`] });
  const apps = await appsUsingServer(db, serverId);
  if (apps.length)
    throw new ActionError(
      `${server.name} is used by ${apps.join(', ')}: take ${apps.length === 1 ? 'that app' : 'those apps'} off it (or delete ${apps.length === 1 ? 'it' : 'them'}) first.`,
      undefined,
      'conflict',
    );
  const run = await activeRunFor(db, serverId);
  if (run) throw new ActionError(`${server.name} has a ${run.recipe} run ${run.status}: delete it when that ends.`, undefined, 'conflict');
  await deleteServerRow(db, serverId);
  return server;
}

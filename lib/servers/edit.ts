import type { z } from 'zod';
import type { Db } from '@/db';
import { listOpsRepos } from '@/db/queries/ops-repos';
import { findServerByName, updateServer } from '@/db/queries/servers';
import { newServerInput, type Server } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { serverOrFail } from './requests';

/** What "Edit server" may change. The host and the keys are not here: a new host is a new server (its host key is another machine's). */
export const serverEditInput = newServerInput.pick({ name: true, port: true, username: true, bindAddress: true });
export type ServerEdit = z.infer<typeof serverEditInput>;

export type EditOutcome = {
  server: Server;
  changed: (keyof ServerEdit)[];
  /** Port or user changed: a connection test is queued, so the page shows at once whether the new way in works. */
  reprobe: boolean;
  /** The bind address changed: every app here must be configured again (its vhost listens on it). */
  reconfigure: boolean;
};

/**
 * Edits a server, keeping its pinned host key: the machine is the same, so its key must be too,
 * and the next connection on the new port or as the new user is still checked against the pin (a
 * different key is refused as a mismatch, never re-pinned silently). A rename is refused while the
 * fleet is defined in an ops repository: there the name is the server's key, and a file still
 * naming the old one would plan a new server beside this one.
 */
export async function editServer(db: Db, serverId: string, input: ServerEdit): Promise<EditOutcome> {
  const server = await serverOrFail(db, serverId);
  const changed = (Object.keys(input) as (keyof ServerEdit)[]).filter((k) => input[k] !== server[k]);
  if (changed.includes('name')) {
    const taken = await findServerByName(db, input.name);
    if (taken && taken.id !== server.id) throw new ActionError('A server with this name exists.', { name: ['Already in use'] });
    const repos = await listOpsRepos(db);
    if (repos.length)
      throw new ActionError(
        `${server.name} may be named in an ops repository's definition (${repos.map((r) => r.path).join(', ')}): there the name is its key, so a rename here would make the file plan a new server.`,
        { name: ['Defined in an ops repository: the name cannot change here'] },
      );
  }
  if (changed.length) await updateServer(db, serverId, input);
  return {
    server: { ...server, ...input },
    changed,
    reprobe: changed.includes('port') || changed.includes('username'),
    reconfigure: changed.includes('bindAddress'),
  };
}

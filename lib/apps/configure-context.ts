import type { Db } from '@/db';
import { rolesOnServer } from '@/db/queries/apps';
import type { App, Server } from '@/db/schema';
import type { AppRole, ConfigureContext } from '@/lib/recipes/configure';

/** The one place a configure context is built: the configure job and the pending-changes view share it. */
export async function configureContextFor(db: Db, app: App, server: Server): Promise<ConfigureContext> {
  const roles = (await rolesOnServer(db, app.id, server.id)).filter((r): r is AppRole => r === 'web' || r === 'worker');
  return {
    app: app.config,
    server: { id: server.id, name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
    roles,
    facts: server.facts ?? undefined,
    reload: new Set(),
  };
}

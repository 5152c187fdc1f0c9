import type { Db } from '@/db';
import { rolesOnServer } from '@/db/queries/apps';
import { updateRun } from '@/db/queries/runs';
import type { App, Server } from '@/db/schema';
import type { AcmeSettings } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import type { AppRole, ConfigureContext } from '@/lib/recipes/configure';
import { tlsContextFor } from './certificates';
import { dataServerOf, ensureDataCredentials } from './data-services';

/**
 * The one place a configure context is built: the configure job and the pending-changes view share it.
 * With the key ring (the job), the app's data-service credentials are made if missing and opened,
 * and so is an uploaded certificate's key; `acme` (the job) says which ACME server certbot uses.
 */
export async function configureContextFor(
  db: Db,
  app: App,
  server: Server,
  ring?: KeyRing,
  acme?: AcmeSettings,
): Promise<ConfigureContext> {
  const roles = (await rolesOnServer(db, app.id, server.id)).filter((r): r is AppRole => r === 'web' || r === 'worker');
  // Credentials first: making them pins the data server that dataServerOf then reads.
  const credentials = ring && (await ensureDataCredentials(db, ring, app));
  const data = await dataServerOf(db, app.id);
  const dataServer = data.server?.id === server.id;
  return {
    app: app.config,
    server: { id: server.id, name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
    roles,
    facts: server.facts ?? undefined,
    reload: new Set(),
    dataServer,
    ...(data.gone && { dataServerGone: true }),
    ...(dataServer && credentials && { dataCredentials: credentials }),
    ...(await tlsContextFor(db, app, server.id, { ring, acme })),
  };
}

/**
 * The context a run needs, or null after failing the run with the reason: a context that cannot be
 * built (a sealed value that no longer opens, a database error) must not leave the run queued,
 * which would block the server.
 */
export function contextOrFailRun<T>(db: Db, runId: string, build: Promise<T>): Promise<T | null> {
  return build.catch(async (err: Error) => {
    await updateRun(db, runId, {
      status: 'failed',
      error: `Could not prepare the run: ${err.message}`.slice(0, 2000),
      finishedAt: new Date(),
    });
    return null;
  });
}

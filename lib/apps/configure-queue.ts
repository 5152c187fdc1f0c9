import type { Db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import { activeRelease } from '@/db/queries/releases';
import { serverKey, type Enqueue } from '@/lib/servers/requests';

export type QueuedConfigure = { serverId: string; serverName: string; appIds: string[] };

/**
 * Queues configure of these apps on their ready servers: one job per server that configures
 * them in turn (lib/apps/configure-job.ts runConfigureApps). Servers not pinned, provisioned or
 * holding their key are skipped (the app is configured there by a later apply once they are),
 * and so are apps with a release running (it rewrites the same files).
 */
export async function queueConfigure(db: Db, enqueue: Enqueue, appIds: string[], userId: number): Promise<QueuedConfigure[]> {
  const byServer = new Map<string, QueuedConfigure>();
  for (const appId of appIds) {
    if (await activeRelease(db, appId)) continue;
    for (const { server } of await placementsOfApp(db, appId)) {
      if (!server.provisionedAt || !server.hostKeyFingerprint || !server.privateKeySealed || server.hostKeyMismatchAt) continue;
      const entry = byServer.get(server.id) ?? { serverId: server.id, serverName: server.name, appIds: [] };
      entry.appIds.push(appId);
      byServer.set(server.id, entry);
    }
  }
  const queued = [...byServer.values()].sort((a, b) => a.serverName.localeCompare(b.serverName));
  for (const q of queued)
    await enqueue({ kind: 'configure-apps', serverId: q.serverId, appIds: q.appIds, requestedBy: userId }, serverKey(q.serverId));
  return queued;
}

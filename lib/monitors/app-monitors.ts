/**
 * Berth's own checks: one per app domain per web server, connecting to that server's address
 * with the domain as Host, so one host going down is seen even behind a load balancer or DNS
 * that points elsewhere. Kept in step idempotently (the unique autoKey): missing ones are
 * created, a changed health-check path or server address is followed, and checks whose app,
 * domain or server is gone are deleted. What an operator may edit on them (interval, timeout,
 * retries, paused) is never overwritten.
 */
import type { Db } from '@/db';
import {
  deleteMonitors,
  insertAutoMonitors,
  listAutoMonitors,
  updateMonitor,
  webPlacements,
  type WebPlacement,
} from '@/db/queries/monitors';
import { hostProblem } from '@/lib/remote/url-safety';

export const autoKeyOf = (appId: string, serverId: string, domain: string) => `app:${appId}:server:${serverId}:domain:${domain}`;

type Desired = { autoKey: string; name: string; url: string; resolveTo: string; appId: string; serverId: string };

export function desiredAutoMonitors(placements: WebPlacement[]): Desired[] {
  const out: Desired[] = [];
  for (const p of placements) {
    const resolveTo = p.bindAddress ?? p.host;
    // A server bound to a wildcard or a refused address has nothing Berth may connect to.
    if (resolveTo === '0.0.0.0' || resolveTo === '::' || hostProblem(resolveTo)) continue;
    const path = p.config.healthCheck?.path ?? '/';
    for (const domain of p.config.domains) {
      out.push({
        autoKey: autoKeyOf(p.appId, p.serverId, domain),
        name: `${domain} on ${p.serverName}`,
        url: `http://${domain}${path}`,
        resolveTo,
        appId: p.appId,
        serverId: p.serverId,
      });
    }
  }
  return out;
}

export type SyncResult = { created: number; updated: number; deleted: number };

export async function syncAppMonitors(db: Db): Promise<SyncResult> {
  const desired = desiredAutoMonitors(await webPlacements(db));
  const existing = new Map((await listAutoMonitors(db)).map((m) => [m.autoKey!, m]));
  const wanted = new Set(desired.map((d) => d.autoKey));

  const missing = desired.filter((d) => !existing.has(d.autoKey));
  // A TLS app redirects http to https: a redirect still proves nginx and the vhost answer.
  const created = await insertAutoMonitors(
    db,
    missing.map((d) => ({ ...d, kind: 'http' as const, method: 'GET', expectedStatus: '200-399' })),
  );

  let updated = 0;
  for (const d of desired) {
    const m = existing.get(d.autoKey);
    if (!m || (m.url === d.url && m.resolveTo === d.resolveTo && m.name === d.name)) continue;
    await updateMonitor(db, m.id, { url: d.url, resolveTo: d.resolveTo, name: d.name });
    updated++;
  }

  const gone = [...existing.values()].filter((m) => !wanted.has(m.autoKey!)).map((m) => m.id);
  await deleteMonitors(db, gone);
  return { created, updated, deleted: gone.length };
}

import type { Db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import type { App, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { Transport } from '@/lib/remote/transport';
import { transportFor } from '@/lib/servers/remote';
import { opcacheStatusScript, OPCACHE_STATUS_TIMEOUT_S, parseOpcacheStatus, type OpcacheStatus } from './opcache';

export type PoolOpcache = { serverId: string; serverName: string; at: Date } & (
  | { ok: true; status: OpcacheStatus }
  | { ok: false; error: string }
);

/**
 * How long one reading serves the dashboard. The page refreshes every 15 s for every viewer;
 * OPcache figures move slowly (they change at a release or a reload), so reading them over SSH
 * at that pace would be SSH work for nothing. Not stored: fpm_samples would need new columns and
 * a migration for figures nobody charts yet.
 */
const FRESH_MS = 60_000;
const cache = new Map<string, { at: number; readings: Promise<PoolOpcache[]> }>();

/** One server's pool: one round trip, bounded so a hung server cannot hold the page. */
export async function readPoolOpcache(transport: Transport, slug: string): Promise<OpcacheStatus> {
  const out = await transport.runScript(opcacheStatusScript(slug), { timeoutMs: (OPCACHE_STATUS_TIMEOUT_S + 5) * 1000 });
  const status = parseOpcacheStatus(out.stdout);
  if (!status) throw new Error('the pool gave no OPcache answer (is it running?)');
  return status;
}

/** Every web server of a PHP app, in parallel; a server that fails says why in its own row. */
export function appOpcache(db: Db, ring: KeyRing, app: App, now = Date.now()): Promise<PoolOpcache[]> {
  const hit = cache.get(app.id);
  if (hit && now - hit.at < FRESH_MS) return hit.readings;
  const readings = read(db, ring, app);
  cache.set(app.id, { at: now, readings });
  // A failed read is not kept: the next view tries again.
  readings.catch(() => cache.delete(app.id));
  return readings;
}

async function read(db: Db, ring: KeyRing, app: App): Promise<PoolOpcache[]> {
  const web = (await placementsOfApp(db, app.id)).filter((p) => p.roles.includes('web')).map((p) => p.server);
  return Promise.all(web.map((server) => readOne(ring, app.config.slug, server)));
}

async function readOne(ring: KeyRing, slug: string, server: Server): Promise<PoolOpcache> {
  const base = { serverId: server.id, serverName: server.name, at: new Date() };
  if (server.hostKeyMismatchAt)
    return { ...base, ok: false, error: 'The host key changed: nothing runs on this server until an admin re-pins it.' };
  try {
    return { ...base, ok: true, status: await readPoolOpcache(await transportFor(server, ring), slug) };
  } catch (err) {
    // ConnectError and RemoteError messages are already redacted by the transport.
    return { ...base, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

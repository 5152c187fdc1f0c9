import type { Db } from '@/db';
import { insertSample, listPinnedServers, updateServer } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { cmd } from '@/lib/remote/command';
import { LIST_PROCESSES, serviceStates } from '@/lib/recipes/provision/services';
import { sectionedScript, sections } from '@/lib/recipes/sections';
import { recordServerFailure } from './failures';
import { transportFor } from './remote';

export type Sample = { load1: number; memoryUsedPct: number; diskUsedPct: number };

export function parseSample(stdout: string): Sample {
  const [loadavg = '', meminfo = '', df = ''] = sections(stdout);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  const disk = df.split('\n')[1]?.trim().split(/\s+/) ?? [];
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    load1: Number(loadavg.split(/\s+/)[0]) || 0,
    memoryUsedPct: total ? round(((total - available) / total) * 100) : 0,
    diskUsedPct: Number((disk[4] ?? '0').replace('%', '')) || 0,
  };
}

/** One sample of load, memory and disk plus service states, over the server's existing connection. */
export async function observeServer(db: Db, ring: KeyRing, server: Server): Promise<void> {
  try {
    const transport = await transportFor(server, ring);
    // One round trip: the sample and the process list.
    const probe = sectionedScript(cmd('cat', '/proc/loadavg'), cmd('cat', '/proc/meminfo'), cmd('df', '-Pk', '/'), LIST_PROCESSES);
    const stdout = (await transport.runScript(probe, { timeoutMs: 15_000 })).stdout;
    const sample = parseSample(stdout);
    const services = serviceStates(sections(stdout)[3] ?? '', server.phpVersions);
    await insertSample(db, { serverId: server.id, ...sample });
    await updateServer(db, server.id, { services, lastSeenAt: new Date(), lastError: null });
  } catch (err) {
    await recordServerFailure(db, server, err);
  }
}

/**
 * The per-minute tick: every pinned server whose host key still matches and whose SSH key is
 * known. A server defined in a file may wait for its key; it is not "unreachable" meanwhile.
 */
export async function observeAll(db: Db, ring: KeyRing): Promise<void> {
  const servers = (await listPinnedServers(db)).filter((s) => !s.hostKeyMismatchAt && s.privateKeySealed);
  await Promise.all(servers.map((s) => observeServer(db, ring, s)));
}

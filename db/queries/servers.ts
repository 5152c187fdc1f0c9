import { and, asc, desc, eq, isNotNull, isNull, lt, ne, or } from 'drizzle-orm';
import type { Db } from '../client';
import { servers, serverSamples, type NewServer, type Server, type ServerSample } from '../schema';

export async function insertServer(db: Db, server: NewServer): Promise<Server> {
  const [row] = await db.insert(servers).values(server).returning();
  return row!;
}

export async function findServer(db: Db, id: string): Promise<Server | undefined> {
  const [row] = await db.select().from(servers).where(eq(servers.id, id));
  return row;
}

export async function findServerByName(db: Db, name: string): Promise<Server | undefined> {
  const [row] = await db.select().from(servers).where(eq(servers.name, name));
  return row;
}

export async function listServers(db: Db): Promise<Server[]> {
  return db.select().from(servers).orderBy(asc(servers.name));
}

export async function listPinnedServers(db: Db): Promise<Server[]> {
  return db.select().from(servers).where(isNotNull(servers.hostKeyFingerprint));
}

export async function updateServer(db: Db, id: string, patch: Partial<Server>): Promise<void> {
  await db.update(servers).set(patch).where(eq(servers.id, id));
}

export async function insertSample(db: Db, sample: typeof serverSamples.$inferInsert): Promise<void> {
  await db.insert(serverSamples).values(sample);
}

/** The most recent samples, oldest first (for a chart). */
export async function recentSamples(db: Db, serverId: string, limit = 60): Promise<ServerSample[]> {
  const rows = await db
    .select()
    .from(serverSamples)
    .where(eq(serverSamples.serverId, serverId))
    .orderBy(desc(serverSamples.at))
    .limit(limit);
  return rows.reverse();
}

export async function deleteSamplesBefore(db: Db, before: Date): Promise<void> {
  await db.delete(serverSamples).where(lt(serverSamples.at, before));
}

/** Probes requested before `before` that never reported (a lost job): they show as failed, not "Testing…" forever. */
export async function expireProbesBefore(db: Db, before: Date): Promise<void> {
  await db
    .update(servers)
    .set({
      probe: { ok: false, fingerprint: null, algorithm: null, error: 'The test did not finish. Try again.', at: new Date().toISOString() },
    })
    .where(and(isNull(servers.probe), lt(servers.probeRequestedAt, before)));
}

/**
 * Marks the server as presenting `actual` instead of its pinned `expected` host key, unless that
 * is already what it is marked with. One conditional UPDATE, so of two connections refused at
 * the same moment only one is told the mismatch is new. A pin that moved on since (an admin
 * re-pinned) leaves the row alone. The last "Test connection" result goes too: it vouched for
 * the old key. Returns whether this call made the mark.
 */
export async function markHostKeyMismatch(
  db: Db,
  id: string,
  mark: { expected: string; actual: string; error: string; at?: Date },
): Promise<boolean> {
  const rows = await db
    .update(servers)
    .set({
      hostKeyMismatchAt: mark.at ?? new Date(),
      hostKeyMismatchFingerprint: mark.actual,
      lastError: mark.error,
      probe: null,
      probeRequestedAt: null,
    })
    .where(
      and(
        eq(servers.id, id),
        eq(servers.hostKeyFingerprint, mark.expected),
        or(
          isNull(servers.hostKeyMismatchAt),
          isNull(servers.hostKeyMismatchFingerprint),
          ne(servers.hostKeyMismatchFingerprint, mark.actual),
        ),
      ),
    )
    .returning({ id: servers.id });
  return rows.length > 0;
}

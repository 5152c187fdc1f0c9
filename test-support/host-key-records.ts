import { eq } from 'drizzle-orm';
import type { Db } from '@/db';
import { auditEvents, notifications } from '@/db/schema';

/**
 * What host key refusals left for one server: its mismatch audit rows and its queued alerts.
 * `at` is read on each call (tests open their database and server in beforeAll).
 */
export function hostKeyRecords(at: () => { db: Db; serverId: string }) {
  return {
    audits: async () => {
      const { db, serverId } = at();
      const rows = await db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.target, `server:${serverId}`));
      return rows.filter((a) => a.action === 'server.hostkey.mismatch');
    },
    alerts: async () => {
      const { db, serverId } = at();
      return (await db.select().from(notifications)).filter(
        (n) => n.event.type === 'server.host_key_mismatch' && n.event.serverId === serverId,
      );
    },
  };
}

import type { Db } from '@/db';
import { insertAuditEvent } from '@/db/queries/audit';
import type { AuditOutcome } from '@/db/schema';

export type AuditEntry = {
  actor?: { id: number; email: string } | null;
  /** Used when there is no signed-in actor (e.g. a failed login names the email tried). */
  actorEmail?: string;
  action: string;
  target?: string;
  outcome: AuditOutcome;
  reason?: string;
  ip?: string | null;
  details?: Record<string, unknown>;
};

/** The one way to write the audit trail. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(db, {
    actorId: entry.actor?.id ?? null,
    actorEmail: entry.actor?.email ?? entry.actorEmail ?? null,
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    reason: entry.reason ?? null,
    ip: entry.ip ?? null,
    details: entry.details ?? null,
  });
}

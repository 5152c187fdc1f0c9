import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents, type AuditEvent, type AuditOutcome, type NewAuditEvent } from '../schema';

export async function insertAuditEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

export type AuditFilter = {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  /** Keyset paging: only events older than this id. */
  beforeId?: number;
  limit?: number;
};

export async function listAuditEvents(db: Db, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const where: SQL[] = [];
  if (filter.actor) where.push(ilike(auditEvents.actorEmail, `%${escapeLike(filter.actor)}%`));
  if (filter.action) {
    const pattern = `%${escapeLike(filter.action)}%`;
    where.push(or(ilike(auditEvents.action, pattern), ilike(auditEvents.target, pattern))!);
  }
  if (filter.outcome) where.push(eq(auditEvents.outcome, filter.outcome));
  if (filter.from) where.push(gte(auditEvents.at, filter.from));
  if (filter.to) where.push(lte(auditEvents.at, filter.to));
  if (filter.beforeId) where.push(lt(auditEvents.id, filter.beforeId));
  return db
    .select()
    .from(auditEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(Math.min(filter.limit ?? 50, 200));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

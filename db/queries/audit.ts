import { and, desc, eq, gte, ilike, inArray, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import {
  apiTokens,
  apps,
  auditEvents,
  backupTargets,
  monitors,
  notificationChannels,
  releases,
  servers,
  users,
  type AuditEvent,
  type AuditOutcome,
  type NewAuditEvent,
} from '../schema';

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

/** What an audit row's `target` ("app:<uuid>", "user:12") names today, for showing a name instead of an id. */
export type AuditTargetName = { kind: string; id: string; name: string; appId?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Looks up the names of the targets on one page of the audit log: one query per kind present,
 * ids checked for shape first (a target is free text from many writers, and a malformed uuid
 * must not fail the page's query). A target that no longer exists is simply absent from the map.
 */
export async function auditTargetNames(db: Db, targets: ReadonlyArray<string | null>): Promise<Map<string, AuditTargetName>> {
  const ids = new Map<string, Set<string>>();
  for (const t of targets) {
    const at = t?.indexOf(':') ?? -1;
    if (!t || at < 1) continue;
    const kind = t.slice(0, at);
    const id = t.slice(at + 1);
    if (kind === 'user' ? !/^\d{1,9}$/.test(id) : !UUID.test(id)) continue;
    ids.set(kind, (ids.get(kind) ?? new Set()).add(id.toLowerCase()));
  }
  const of = (kind: string) => [...(ids.get(kind) ?? [])];
  const out = new Map<string, AuditTargetName>();
  const put = (kind: string, rows: { id: string | number; name: string; appId?: string }[]) => {
    for (const r of rows) out.set(`${kind}:${r.id}`, { kind, id: String(r.id), name: r.name, ...(r.appId ? { appId: r.appId } : {}) });
  };
  const byUuid = async (
    kind: string,
    table: typeof apps | typeof servers | typeof monitors | typeof notificationChannels | typeof backupTargets | typeof apiTokens,
  ) =>
    of(kind).length
      ? put(
          kind,
          await db
            .select({ id: table.id, name: table.name })
            .from(table)
            .where(inArray(table.id, of(kind))),
        )
      : undefined;
  await Promise.all([
    byUuid('app', apps),
    byUuid('server', servers),
    byUuid('monitor', monitors),
    byUuid('notification_channel', notificationChannels),
    byUuid('backup-target', backupTargets),
    byUuid('api-token', apiTokens),
    of('user').length
      ? db
          .select({ id: users.id, name: users.name })
          .from(users)
          .where(inArray(users.id, of('user').map(Number)))
          .then((rows) => put('user', rows))
      : undefined,
    of('release').length
      ? db
          .select({ id: releases.id, appId: releases.appId, number: releases.number, kind: releases.kind, app: apps.name })
          .from(releases)
          .innerJoin(apps, eq(apps.id, releases.appId))
          .where(inArray(releases.id, of('release')))
          .then((rows) =>
            put(
              'release',
              rows.map((r) => ({ id: r.id, appId: r.appId, name: `${r.app} ${r.kind}${r.number === null ? '' : ` #${r.number}`}` })),
            ),
          )
      : undefined,
  ]);
  return out;
}

import { and, desc, eq, gt, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { notificationChannels, notifications, type Notification, type NotificationChannel } from '../schema';
import type { NotifyEventType } from '@/lib/model/notifications';

type ChannelPatch = Partial<
  Pick<NotificationChannel, 'name' | 'configSealed' | 'events' | 'enabled' | 'needsValue' | 'lastSentAt' | 'lastError' | 'lastErrorAt'>
>;

// ---- channels -------------------------------------------------------------------------------

/** The id is chosen by the caller: the sealed config is bound to it (AAD) before the row exists. */
export async function insertChannel(db: Db, row: typeof notificationChannels.$inferInsert & { id: string }): Promise<NotificationChannel> {
  const [created] = await db.insert(notificationChannels).values(row).returning();
  return created!;
}

export async function findChannel(db: Db, id: string): Promise<NotificationChannel | undefined> {
  const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.id, id));
  return row;
}

export async function listChannels(db: Db): Promise<NotificationChannel[]> {
  return db.select().from(notificationChannels).orderBy(notificationChannels.createdAt);
}

export async function updateChannel(db: Db, id: string, patch: ChannelPatch): Promise<boolean> {
  const rows = await db
    .update(notificationChannels)
    .set(patch)
    .where(eq(notificationChannels.id, id))
    .returning({ id: notificationChannels.id });
  return rows.length > 0;
}

export async function deleteChannel(db: Db, id: string): Promise<NotificationChannel | undefined> {
  const [row] = await db.delete(notificationChannels).where(eq(notificationChannels.id, id)).returning();
  return row;
}

/** Enabled channels subscribed to this event type. */
export async function subscribedChannels(db: Db, type: NotifyEventType): Promise<{ id: string }[]> {
  return db
    .select({ id: notificationChannels.id })
    .from(notificationChannels)
    .where(
      and(
        eq(notificationChannels.enabled, true),
        sql`${type} = any(${notificationChannels.events})`,
        // A channel imported without its secret cannot send yet (lib/spec): it waits for the value.
        sql`cardinality(${notificationChannels.needsValue}) = 0`,
      ),
    );
}

/** A send (from the outbox or "Send test") succeeded: the channel's last error is cleared. */
export async function recordChannelSuccess(db: Db, id: string, at: Date): Promise<void> {
  await updateChannel(db, id, { lastSentAt: at, lastError: null, lastErrorAt: null });
}

/** The error text must already be redacted. */
export async function recordChannelError(db: Db, id: string, error: string, at: Date): Promise<void> {
  await updateChannel(db, id, { lastError: error, lastErrorAt: at });
}

// ---- the outbox ------------------------------------------------------------------------------

/** Whether this alert (same channel, same dedupe key) was queued or sent since `since`. */
export async function hasRecentDelivery(db: Db, channelId: string, dedupeKey: string, since: Date): Promise<boolean> {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      and(
        eq(notifications.channelId, channelId),
        eq(notifications.dedupeKey, dedupeKey),
        ne(notifications.status, 'suppressed'),
        gt(notifications.createdAt, since),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

export async function insertNotification(db: Db, row: typeof notifications.$inferInsert): Promise<Notification> {
  const [created] = await db.insert(notifications).values(row).returning();
  return created!;
}

export async function findNotification(db: Db, id: string): Promise<Notification | undefined> {
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

/**
 * Claims up to `limit` due deliveries for this process: their next attempt moves to `leaseUntil`,
 * so another panel process (or this one's next tick) skips them while they are being sent, and a
 * process that dies mid-send leaves them due again when the lease runs out. SKIP LOCKED lets two
 * processes claim at once without waiting for, or taking, each other's rows.
 */
export async function claimDueNotifications(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<Notification[]> {
  const due = db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.status, 'pending'), lte(notifications.nextAttemptAt, now)))
    .orderBy(notifications.nextAttemptAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  return db.update(notifications).set({ nextAttemptAt: leaseUntil }).where(inArray(notifications.id, due)).returning();
}

/**
 * Records the outcome of one attempt. The claim is checked (still pending, same attempt count),
 * so a send that outlived its lease cannot overwrite the outcome of the process that re-claimed it.
 */
export async function finishAttempt(
  db: Db,
  claimed: Pick<Notification, 'id' | 'attempts'>,
  outcome: { status: 'sent'; at: Date } | { status: 'pending'; error: string; nextAttemptAt: Date } | { status: 'failed'; error: string },
  /** False when nothing was sent (the row is dropped, not tried). */
  tried = true,
): Promise<boolean> {
  const patch =
    outcome.status === 'sent'
      ? { status: 'sent' as const, sentAt: outcome.at, lastError: null }
      : outcome.status === 'pending'
        ? { lastError: outcome.error, nextAttemptAt: outcome.nextAttemptAt }
        : { status: 'failed' as const, lastError: outcome.error };
  const rows = await db
    .update(notifications)
    .set({ ...patch, attempts: claimed.attempts + (tried ? 1 : 0) })
    .where(and(eq(notifications.id, claimed.id), eq(notifications.status, 'pending'), eq(notifications.attempts, claimed.attempts)))
    .returning({ id: notifications.id });
  return rows.length > 0;
}

export type DeliveryRow = Notification & { channelName: string; channelKind: NotificationChannel['kind'] };

/** The newest deliveries across channels, for the alerts page. */
export async function recentDeliveries(db: Db, limit = 50): Promise<DeliveryRow[]> {
  const rows = await db
    .select({ n: notifications, channelName: notificationChannels.name, channelKind: notificationChannels.kind })
    .from(notifications)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notifications.channelId))
    .orderBy(desc(notifications.createdAt))
    .limit(limit);
  return rows.map((r) => ({ ...r.n, channelName: r.channelName, channelKind: r.channelKind }));
}

/** Finished deliveries (sent, failed, suppressed) older than `before` go; pending ones stay whatever their age. */
export async function pruneNotifications(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(notifications)
    .where(and(ne(notifications.status, 'pending'), lt(notifications.createdAt, before)))
    .returning({ id: notifications.id });
  return rows.length;
}

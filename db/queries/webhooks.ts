import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { appWebhooks, webhookDeliveries, type AppWebhook } from '../schema';

export async function findWebhook(db: Db, appId: string): Promise<AppWebhook | undefined> {
  const [row] = await db.select().from(appWebhooks).where(eq(appWebhooks.appId, appId));
  return row;
}

/** Creates or replaces the app's secret; says whether one existed (a rotation). */
export async function saveWebhook(db: Db, appId: string, sealedSecret: string): Promise<{ rotated: boolean }> {
  const existed = Boolean(await findWebhook(db, appId));
  await db
    .insert(appWebhooks)
    .values({ appId, sealedSecret })
    .onConflictDoUpdate({ target: appWebhooks.appId, set: { sealedSecret, createdAt: new Date() } });
  return { rotated: existed };
}

export async function deleteWebhook(db: Db, appId: string): Promise<boolean> {
  const rows = await db.delete(appWebhooks).where(eq(appWebhooks.appId, appId)).returning({ appId: appWebhooks.appId });
  return rows.length > 0;
}

/**
 * The replay guard: inserting the delivery's signature either claims it (true) or finds it was
 * already claimed (false). The primary key settles two identical deliveries arriving at once.
 */
export async function claimDelivery(db: Db, appId: string, signature: string): Promise<boolean> {
  const rows = await db
    .insert(webhookDeliveries)
    .values({ appId, signature })
    .onConflictDoNothing()
    .returning({ appId: webhookDeliveries.appId });
  return rows.length > 0;
}

export async function attachDeliveryRelease(db: Db, appId: string, signature: string, releaseId: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ releaseId })
    .where(and(eq(webhookDeliveries.appId, appId), eq(webhookDeliveries.signature, signature)));
}

/** A claimed delivery that did not start a release gives its claim back, so the sender may retry it. */
export async function unclaimDelivery(db: Db, appId: string, signature: string): Promise<void> {
  await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.appId, appId), eq(webhookDeliveries.signature, signature)));
}

/** Rows older than the timestamp window can no longer match a delivery the window accepts. */
export async function pruneDeliveries(db: Db, appId: string, before: Date): Promise<void> {
  await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.appId, appId), lt(webhookDeliveries.receivedAt, before)));
}

import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { appCertificates, servers, type AppCertificate } from '../schema';

export type NewAppCertificate = Omit<typeof appCertificates.$inferInsert, 'id' | 'createdAt'>;

/** The app's uploaded certificate (one per app, its key sealed), if any. */
export async function uploadedCertificate(db: Db, appId: string): Promise<AppCertificate | undefined> {
  const [row] = await db
    .select()
    .from(appCertificates)
    .where(and(eq(appCertificates.appId, appId), isNull(appCertificates.serverId)));
  return row;
}

/** What certbot issued for the app on one server, as last recorded. */
export async function acmeCertificate(db: Db, appId: string, serverId: string): Promise<AppCertificate | undefined> {
  const [row] = await db
    .select()
    .from(appCertificates)
    .where(and(eq(appCertificates.appId, appId), eq(appCertificates.serverId, serverId)));
  return row;
}

/** Forgets what certbot issued for the app on one server (its lineage there is gone). */
export async function deleteAcmeCertificate(db: Db, appId: string, serverId: string): Promise<void> {
  await db.delete(appCertificates).where(and(eq(appCertificates.appId, appId), eq(appCertificates.serverId, serverId)));
}

export type AppCertificateView = Awaited<ReturnType<typeof certificatesOfApp>>[number];

/** Every certificate of the app with its server's name (null for the uploaded one): public fields only, never the key. */
export async function certificatesOfApp(db: Db, appId: string) {
  return db
    .select({
      id: appCertificates.id,
      source: appCertificates.source,
      serverId: appCertificates.serverId,
      serverName: servers.name,
      certificatePem: appCertificates.certificatePem,
      domains: appCertificates.domains,
      issuer: appCertificates.issuer,
      notAfter: appCertificates.notAfter,
      createdAt: appCertificates.createdAt,
    })
    .from(appCertificates)
    .leftJoin(servers, eq(appCertificates.serverId, servers.id))
    .where(eq(appCertificates.appId, appId))
    .orderBy(asc(servers.name));
}

/**
 * Replaces the app's uploaded certificate, or the one recorded for (app, server), in one
 * transaction: a reader never sees none or two.
 */
export async function putCertificate(db: Db, row: NewAppCertificate): Promise<AppCertificate> {
  return db.transaction(async (tx) => {
    const server = row.serverId ? eq(appCertificates.serverId, row.serverId) : isNull(appCertificates.serverId);
    await tx.delete(appCertificates).where(and(eq(appCertificates.appId, row.appId), server));
    const [inserted] = await tx.insert(appCertificates).values(row).returning();
    return inserted!;
  });
}

import { OpcachePools } from '@/components/dashboard/opcache-pools';
import { db } from '@/db';
import type { App } from '@/db/schema';
import { appOpcache } from '@/lib/fpm/opcache-read';
import { getRuntime } from '@/lib/runtime';

/**
 * Read over SSH when the page renders, inside a Suspense boundary so a slow server holds up only
 * this table, and at most once a minute per app (appOpcache keeps a reading that long).
 */
export async function OpcacheSection({ app }: { app: App }) {
  const pools = await appOpcache(db(), getRuntime().keyRing, app);
  return <OpcachePools pools={pools} />;
}

import type { Db } from '@/db';
import { findServer, updateServer } from '@/db/queries/servers';
import type { KeyRing } from '@/lib/crypto';
import { runRecipe } from '@/lib/jobs/runner';
import { provisionRecipe, type ProvisionContext } from '@/lib/recipes/provision';
import type { Service } from '@/lib/recipes/provision/context';
import { observeServer } from './observe';
import { startQueuedRun } from './queued-run';

/** The job side of "Provision": connect once, run the recipe, record everything. */
export async function runProvision(db: Db, ring: KeyRing, runId: string, signal: AbortSignal): Promise<void> {
  const started = await startQueuedRun(db, ring, runId);
  if (!started) return;
  const { server, transport } = started;
  // Seeded from the server row: a retry that skips detect-system or a config task still knows
  // the init system and what an earlier, failed run changed without reloading.
  const ctx: ProvisionContext = {
    server: { name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
    facts: server.facts ?? undefined,
    reload: new Set(server.pendingReload as Service[]),
    saveFacts: (facts) => updateServer(db, server.id, { facts }),
  };
  const result = await runRecipe(db, runId, provisionRecipe, ctx, transport, signal, async () => {
    await updateServer(db, server.id, { provisionedAt: new Date(), lastError: null, pendingReload: [] });
    await observeServer(db, ring, (await findServer(db, server.id))!);
  });
  if (!result.ok) await updateServer(db, server.id, { pendingReload: [...ctx.reload] });
}

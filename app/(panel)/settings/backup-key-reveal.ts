import { z } from 'zod';
import { findTarget } from '@/db/queries/backups';
import { ActionError, type makeAuthedAction } from '@/lib/auth/action-core';
import { openTargetSecrets } from '@/lib/backups/targets';
import type { KeyRing } from '@/lib/crypto';

/**
 * "Reveal repository key" (Settings → Backup targets): the target's restic password, which with
 * the target's own credential and the panel's master key is all a restore of the panel needs.
 * An operator of the embedded panel keeps it this way without stopping the panel (the local
 * `npm run backup-key` must, on PGlite). Admins only, after a recent sign-in, audited (the key
 * never reaches the audit row); the page shows it once, from the response, never in its HTML.
 *
 * Built by a factory so a unit test runs it through the same wrapper with its own session.
 */
export function makeRevealTargetKey(
  authedAction: ReturnType<typeof makeAuthedAction>,
  deps: { ring(): KeyRing; requireRecentLogin(): Promise<void> },
) {
  return authedAction(
    { audit: 'backup.target.reveal-key', role: 'admin', schema: z.object({ targetId: z.uuid('Unknown backup target') }) },
    async (input, ctx) => {
      ctx.setTarget(`backup-target:${input.targetId}`);
      await deps.requireRecentLogin();
      const target = await findTarget(ctx.db, input.targetId);
      if (!target) throw new ActionError('That backup target no longer exists.');
      ctx.setDetails({ name: target.name });
      return { name: target.name, repoKey: openTargetSecrets(deps.ring(), target).repoKey };
    },
  );
}

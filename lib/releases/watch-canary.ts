import type { Db } from '@/db';
import { findServer } from '@/db/queries/servers';
import type { App, Release } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { releasePaths } from '@/lib/recipes/release/paths';
import { watchVerdict, type ServerWatch } from './watch';
import { readServerWatch, WATCH_POLL_S } from './watch-job';

/**
 * A canary's watch window, inside its release (the other servers wait for the verdict): the same
 * reads and rule as the window after a release (watch-job.ts). Returns why it failed, or null.
 */
export async function watchCanary(
  db: Db,
  ring: KeyRing,
  app: App,
  release: Release,
  serverId: string,
  signal: AbortSignal,
): Promise<string | null> {
  const windowS = app.config.release.watchWindowS;
  const server = await findServer(db, serverId);
  if (!server || windowS === 0 || !app.config.domains.length) return null;
  const dir = releasePaths(app.slug, release.number!).dir;
  const until = Date.now() + windowS * 1000;
  let state: ServerWatch | null = null;
  while (!signal.aborted) {
    // The canary is judged on what could be read.
    state = await readServerWatch(db, ring, server, app.slug, dir, state);
    const reason = state && watchVerdict(state, app.config.release.watchErrorRisePct);
    if (reason) return `Watch window on the canary ${server.name}: ${reason}.`;
    if (Date.now() >= until)
      return state ? null : `Watch window on the canary ${server.name}: its access log could not be read, so the canary was not judged.`;
    await new Promise((r) => setTimeout(r, Math.min(WATCH_POLL_S * 1000, until - Date.now())));
  }
  return 'The release was cancelled during the canary’s watch window.';
}

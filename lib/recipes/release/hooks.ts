import { changed, unchanged, type Task } from '../task';
import { buildTimeout, runAll } from './commands';
import type { ReleaseContext } from './context';
import { restoreAfterFailedMigration } from './snapshot-restore';

/**
 * Hooks for every server, or the one server they name (seed 003: migrate on one server only).
 * When a migration hook fails where `snapshot` took a dump, the database is restored from it
 * before the task fails (seed 002); any other failure fails the task as it is.
 */
export const hooks: Task<ReleaseContext> = {
  name: 'hooks',
  async run(ctx, io) {
    const mine = ctx.app.release.hooks.filter((h) => !h.serverId || h.serverId === ctx.server.id);
    if (mine.length === 0) return unchanged('nothing to run');
    for (const hook of mine) {
      try {
        await runAll(ctx, io, [hook.argv], buildTimeout(ctx));
      } catch (err) {
        if (!hook.migration || !ctx.snapshot) throw err;
        throw await restoreAfterFailedMigration(ctx, io, err);
      }
    }
    return changed(`${mine.length} command(s)`);
  },
};

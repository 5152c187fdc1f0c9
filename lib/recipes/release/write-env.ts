import { linkReleaseEnv, writeSharedEnv } from '../env/env-file';
import { keepPreviousEnv } from '../env/previous-env';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext, RollbackContext } from './context';
import { releasePaths } from './paths';

/** shared/.env from the revision the release recorded, and the release directory's .env linked to it. */
function writeEnvInto<C extends ReleaseContext | RollbackContext>(releaseOf: (ctx: C) => number): Task<C> {
  return {
    name: 'write-env',
    async run(ctx, { transport, log }) {
      if (!ctx.env) return unchanged('no environment to write: .env left as it is');
      // The live release reads shared/.env too: what it had is kept until the release ends (lib/releases/release-env.ts).
      await keepPreviousEnv(transport, ctx.app.slug);
      const wrote = await writeSharedEnv(transport, ctx.app.slug, ctx.env);
      log(wrote);
      ctx.env.written = true;
      if (ctx.app.sharedPaths.includes('.env')) return changed(`${wrote}; .env is a shared path`);
      const link = await linkReleaseEnv(transport, ctx.app.slug, releasePaths(ctx.app.slug, releaseOf(ctx)).dir);
      return changed(`${wrote}; ${link === 'replaced' ? 'the commit’s .env replaced by a link to it' : 'linked into the release'}`);
    },
  };
}

/**
 * Right after `link-shared`, so the build and release commands (php artisan config:cache) see it.
 * An app whose environment was never saved in Berth keeps whatever .env it has: nothing is
 * written or removed (linking is skipped when .env is a shared path: link-shared did it).
 */
export const writeEnv = writeEnvInto<ReleaseContext>((ctx) => ctx.number);

/** A rollback that restores its target's env revision writes it first, before the target's process starts. */
export const writeTargetEnv = writeEnvInto<RollbackContext>((ctx) => ctx.target);

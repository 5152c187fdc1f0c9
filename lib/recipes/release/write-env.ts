import { linkReleaseEnv, writeSharedEnv } from '../env/env-file';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

/**
 * Right after `link-shared`, so the build and release commands (php artisan config:cache) see it:
 * shared/.env from the revision the release recorded, and releases/<n>/.env linked to it (unless
 * .env is a shared path, which link-shared already linked). An app whose environment was never
 * saved in Berth keeps whatever .env it has: nothing is written or removed.
 */
export const writeEnv: Task<ReleaseContext> = {
  name: 'write-env',
  async run(ctx, { transport, log }) {
    if (!ctx.env) return unchanged('no environment saved in Berth: .env left as it is');
    const wrote = await writeSharedEnv(transport, ctx.app.slug, ctx.env);
    log(wrote);
    ctx.env.written = true;
    if (ctx.app.sharedPaths.includes('.env')) return changed(`${wrote}; .env is a shared path`);
    const link = await linkReleaseEnv(transport, ctx.app.slug, releasePaths(ctx.app.slug, ctx.number).dir);
    return changed(`${wrote}; ${link === 'replaced' ? 'the commit’s .env replaced by a link to it' : 'linked into the release'}`);
  },
};

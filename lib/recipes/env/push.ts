import { appLayout } from '@/lib/plan/app-layout';
import { cmd } from '@/lib/remote/command';
import { hasWebSlots } from '@/lib/plan/web-slots';
import { inRelease, releaseLockPath } from '../release/paths';
import type { RollbackContext } from '../release/context';
import { restartWorkerPrograms } from '../release/restart-workers';
import { changed, unchanged, type Recipe, type Task } from '../task';
import { linkCurrentEnv, writeSharedEnv, type EnvLinkState, type EnvToWrite } from './env-file';
import { restartLiveProcess } from './restart-process';

/** One server's part in an env push: the app, its roles there, and the revision to write. */
export type EnvPushContext = Pick<RollbackContext, 'app' | 'roles' | 'server'> & {
  env: EnvToWrite;
  /** Set by write-env: shared/.env holds the revision now (whatever fails after). */
  written?: boolean;
  link?: EnvLinkState;
};

const LINK_NOTE: Record<EnvLinkState, string> = {
  'no-release': 'no release yet',
  link: 'current/.env links to it',
  created: 'linked current/.env to it',
  replaced: 'linked current/.env to it',
  elsewhere: 'but current/.env is not a link to it (the release carries its own .env), so the app does not read it until the next deploy',
};

/** shared/.env from the revision (atomic, 0640, the app user's), and current/.env linked to it if it was missing. */
export const writeEnv: Task<EnvPushContext> = {
  name: 'write-env',
  async run(ctx, { transport, log }) {
    const wrote = await writeSharedEnv(transport, ctx.app.slug, ctx.env);
    log(wrote);
    ctx.written = true;
    ctx.link = await linkCurrentEnv(transport, ctx.app.slug);
    return changed(`${wrote}; ${LINK_NOTE[ctx.link]}`);
  },
};

/**
 * What makes the app read the new file: the app's own commands in current/ (e.g. php artisan
 * config:cache), as the app user under the release lock, then, unless turned off, its workers
 * restart and a process app's web process is replaced the way a release replaces it (no gap).
 */
export const postPush: Task<EnvPushContext> = {
  name: 'post-push',
  async run(ctx, io) {
    const { app } = ctx;
    const l = appLayout(app.slug);
    const current = (await io.transport.exec(cmd('readlink', l.current), { okExitCodes: [0, 1] })).stdout.trim();
    // The placeholder configure puts there runs none of the app's code.
    if (!/^releases\/\d+$/.test(current)) return unchanged('no release deployed yet: nothing to run or restart');
    const done: string[] = [];
    for (const argv of app.env.postPushCommands) {
      io.log(`$ ${argv.join(' ')}`);
      await io.transport.exec(inRelease({ user: l.user, lock: releaseLockPath(app.slug) }, l.current, argv), {
        timeoutMs: app.release.buildTimeoutS * 1000,
        signal: io.signal,
        onLine: (_stream, line) => io.log(line),
      });
    }
    if (app.env.postPushCommands.length) done.push(`${app.env.postPushCommands.length} command(s)`);
    if (app.env.restartAfterPush) {
      if (hasWebSlots(app, ctx.roles)) done.push(await restartLiveProcess(ctx, io));
      const workers = await restartWorkerPrograms(ctx, io);
      if (workers) done.push(workers);
    }
    return done.length
      ? changed(done.join('; '))
      : unchanged(app.env.restartAfterPush ? 'nothing to run or restart here' : 'nothing to run; restarts are turned off');
  },
};

export const envPushRecipe: Recipe<EnvPushContext> = { name: 'env-push', tasks: [writeEnv, postPush] };

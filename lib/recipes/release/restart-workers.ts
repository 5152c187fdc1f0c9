import { appLayout } from '@/lib/apps/config';
import { cmd } from '@/lib/remote/command';
import { supervisorPrograms } from '../configure/desired-files';
import { changed, unchanged, type Task } from '../task';
import type { RollbackContext } from './context';
import { inRelease } from './paths';

/**
 * Workers pick up the new code: the app's own restart command (e.g. queue:restart, graceful) or
 * a restart of its supervisor group, which waits for each worker's stop-wait seconds.
 */
export const restartWorkers: Task<Pick<RollbackContext, 'app' | 'roles' | 'server'>> = {
  name: 'restart-workers',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    const programs = supervisorPrograms(app, ctx.roles, ctx.server.id);
    const l = appLayout(app.slug);
    if (app.release.restartCommand && ctx.roles.includes('worker')) {
      log(`$ ${app.release.restartCommand.join(' ')}`);
      await transport.exec(inRelease({ user: l.user, lock: `${l.base}/.berth-release.lock` }, l.current, app.release.restartCommand), { onLine: (_s, line) => log(line) });
      return changed('restart command ran');
    }
    if (programs.length === 0) return unchanged('no workers here');
    await transport.exec(cmd('supervisorctl', 'restart', `berth-${app.slug}:*`), { timeoutMs: 5 * 60_000, onLine: (_s, line) => log(line) });
    return changed(`${programs.length} program(s) restarted`);
  },
};

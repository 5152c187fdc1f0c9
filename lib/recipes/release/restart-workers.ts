import { appLayout } from '@/lib/plan/app-layout';
import { cmd } from '@/lib/remote/command';
import { supervisorPrograms } from '@/lib/plan/desired-files';
import { hasWebSlots } from '@/lib/plan/web-slots';
import { changed, unchanged, type Task, type TaskIO } from '../task';
import type { RollbackContext } from './context';
import { moveTraffic } from './move-traffic';
import { inRelease, releaseLockPath } from './paths';

type Ctx = Pick<RollbackContext, 'app' | 'roles' | 'server'>;

/**
 * Workers pick up the new code: the app's own restart command (e.g. queue:restart, graceful) or
 * a restart of its supervisor group, which waits for each worker's stop-wait seconds.
 */
export async function restartWorkerPrograms(ctx: Ctx, { transport, log }: Pick<TaskIO, 'transport' | 'log'>): Promise<string | null> {
  const { app } = ctx;
  const l = appLayout(app.slug);
  if (app.release.restartCommand && ctx.roles.includes('worker')) {
    log(`$ ${app.release.restartCommand.join(' ')}`);
    await transport.exec(inRelease({ user: l.user, lock: releaseLockPath(app.slug) }, l.current, app.release.restartCommand), {
      onLine: (_s, line) => log(line),
    });
    return 'restart command ran';
  }
  const programs = supervisorPrograms(app, ctx.roles, ctx.server.id);
  if (programs.length === 0) return null;
  await transport.exec(cmd('supervisorctl', 'restart', `berth-${app.slug}:*`), { timeoutMs: 5 * 60_000, onLine: (_s, line) => log(line) });
  return `${programs.length} worker program(s) restarted`;
}

/**
 * After `switch`. A process app's web servers first move traffic to the process `start-process`
 * started (no gap: the old one stops only once nginx no longer sends it anything); then the
 * workers restart as for any app. The web slots are not in the workers' group, so they are not
 * restarted with it.
 */
export const restartWorkers: Task<Ctx> = {
  name: 'restart-workers',
  async run(ctx, io) {
    const moved = hasWebSlots(ctx.app, ctx.roles) ? await moveTraffic(ctx, io) : null;
    const workers = await restartWorkerPrograms(ctx, io);
    if (!moved && !workers) return unchanged('no workers here');
    return changed([moved, workers].filter(Boolean).join('; '));
  },
};

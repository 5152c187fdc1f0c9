import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { fpmService } from '../provision/context';
import { ensureAbsent, ensureFile } from '../provision/managed-file';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { cronEntries, cronFile, poolFiles, supervisorFile, supervisorPrograms, vhostFile, type DesiredFile } from './desired-files';
import { settleTlsPaths } from './tls';

/** Writes (or removes) one desired file, validated and put back on failure. Returns what happened. */
async function apply(transport: Transport, file: DesiredFile, log: (line: string) => void): Promise<'written' | 'removed' | null> {
  const opts = { mode: file.mode, validate: file.validate, log };
  if (file.content === null) return (await ensureAbsent(transport, file.path, opts)) ? 'removed' : null;
  return (await ensureFile(transport, file.path, file.content, opts)) ? 'written' : null;
}

/** The app's PHP-FPM pool: its own socket and user; validated by php-fpm -t, put back if that fails. */
export const fpmPool: Task<ConfigureContext> = {
  name: 'fpm-pool',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    const outcomes: string[] = [];
    for (const file of poolFiles(ctx)) {
      const done = await apply(transport, file, log);
      if (!done) continue;
      ctx.reload.add(fpmService(file.phpVersion));
      outcomes.push(done === 'removed' ? `pool removed from PHP ${file.phpVersion}` : `pool: pm ${app.pool.pm}, max_children ${app.pool.maxChildren}`);
    }
    if (outcomes.length) return changed(outcomes.join('; '));
    return unchanged(app.kind === 'php' && ctx.roles.includes('web') ? 'pool unchanged' : 'no pool here');
  },
};

/** The nginx vhost for the app's domains; validated by nginx -t, put back if that fails. */
export const vhost: Task<ConfigureContext> = {
  name: 'vhost',
  async run(ctx, { transport, log }) {
    const domains = ctx.app.domains.join(', ');
    await settleTlsPaths(ctx, transport, log);
    const done = await apply(transport, vhostFile(ctx), log);
    if (!done) return unchanged(ctx.roles.includes('web') ? `vhost for ${domains} unchanged` : 'not a web server for this app');
    ctx.reload.add('nginx');
    return changed(done === 'removed' ? 'vhost removed' : `vhost for ${domains}`);
  },
};

/**
 * Queue workers under supervisor, as the app user; `supervisorctl update` restarts only what
 * changed. A process app's own command runs here too, as the program "web".
 */
export const workers: Task<ConfigureContext> = {
  name: 'workers',
  async run(ctx, { transport, log }) {
    const count = supervisorPrograms(ctx.app, ctx.roles, ctx.server.id).length;
    const done = await apply(transport, supervisorFile(ctx), log);
    // Always: cheap, idempotent, and it applies a file an interrupted run wrote but never loaded.
    const update = await transport.exec(cmd('supervisorctl', 'update'));
    const applied = update.stdout.split('\n').some((line) => line.startsWith(`berth-${ctx.app.slug}:`));
    if (!done && !applied) return unchanged(`${count} program(s) unchanged`);
    return changed(done === 'removed' ? 'programs removed' : done ? `${count} program(s) updated` : 'supervisor applied a file written earlier');
  },
};

/** Laravel's scheduler and custom cron lines, as the app user. cron reads the file by itself. */
export const scheduler: Task<ConfigureContext> = {
  name: 'scheduler',
  async run(ctx, { transport, log }) {
    const count = cronEntries(ctx).length;
    const done = await apply(transport, cronFile(ctx), log);
    return done ? changed(done === 'removed' ? 'cron file removed' : `${count} cron line(s)`) : unchanged(`${count} cron line(s) unchanged`);
  },
};

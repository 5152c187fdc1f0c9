import { appLayout } from '@/lib/apps/config';
import { cmd } from '@/lib/remote/command';
import { laravelScheduler, renderCron } from '@/lib/templates/cron';
import { renderPool } from '@/lib/templates/fpm-pool';
import { renderVhost, type Upstream } from '@/lib/templates/nginx-vhost';
import { renderWorkers } from '@/lib/templates/supervisor-program';
import { fpmService } from '../provision/context';
import { ensureFile } from '../provision/managed-file';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';

/** The app's PHP-FPM pool: its own socket and user; validated by php-fpm -t, put back if that fails. */
export const fpmPool: Task<ConfigureContext> = {
  name: 'fpm-pool',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    if (app.kind !== 'php') return unchanged('not a PHP app');
    const l = appLayout(app.slug);
    const text = renderPool({ slug: `berth-${app.slug}`, user: l.user, group: l.group, socket: l.fpmSocket, listenGroup: 'www-data', ...app.pool, slowlogPath: `${l.logDir}/fpm-slow.log`, statusPath: l.fpmStatusPath });
    const wrote = await ensureFile(transport, l.poolPath(app.phpVersion), text, { mode: 0o644, validate: cmd(`php-fpm${app.phpVersion}`, '-t'), log });
    if (!wrote) return unchanged('pool unchanged');
    ctx.reload.add(fpmService(app.phpVersion));
    return changed(`pool: pm ${app.pool.pm}, max_children ${app.pool.maxChildren}`);
  },
};

function upstreamOf(ctx: ConfigureContext): Upstream {
  const { app } = ctx;
  if (app.kind === 'php') return { kind: 'php', fpmSocket: appLayout(app.slug).fpmSocket };
  if (app.kind === 'process' && app.port) return { kind: 'process', port: app.port };
  return { kind: 'static' };
}

/** The nginx vhost for the app's domains; validated by nginx -t, put back if that fails. */
export const vhost: Task<ConfigureContext> = {
  name: 'vhost',
  async run(ctx, { transport, log }) {
    const l = appLayout(ctx.app.slug);
    const root = ctx.app.kind === 'process' ? l.current : `${l.current}/${ctx.app.webRoot}`;
    const text = renderVhost({
      slug: ctx.app.slug,
      domains: ctx.app.domains,
      bindAddress: ctx.server.bindAddress,
      root,
      upstream: upstreamOf(ctx),
      clientMaxBodyMb: ctx.app.pool.uploadMaxMb,
      fpmStatusPath: ctx.app.kind === 'php' ? l.fpmStatusPath : undefined,
      acmeWebroot: l.acmeWebroot,
    });
    const wrote = await ensureFile(transport, l.vhostPath, text, { mode: 0o644, validate: cmd('nginx', '-t', '-q'), log });
    if (!wrote) return unchanged(`vhost for ${ctx.app.domains.join(', ')} unchanged`);
    ctx.reload.add('nginx');
    return changed(`vhost for ${ctx.app.domains.join(', ')}`);
  },
};

/**
 * Queue workers under supervisor, as the app user; `supervisorctl update` restarts only what
 * changed. A process app's own command runs here too, as the program "web".
 */
export const workers: Task<ConfigureContext> = {
  name: 'workers',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    const l = appLayout(app.slug);
    const web = app.kind === 'process' && app.processArgv ? [{ name: 'web', argv: app.processArgv, processes: 1, stopWaitSeconds: 10 }] : [];
    const programs = [...web, ...app.workers];
    const text = renderWorkers(
      app.slug,
      programs.map((w) => ({ ...w, slug: app.slug, user: l.user, directory: l.current, logDir: l.logDir })),
    );
    const wrote = await ensureFile(transport, l.supervisorPath, text, { mode: 0o644, validate: cmd('supervisorctl', 'reread'), log });
    if (!wrote) return unchanged(`${programs.length} program(s) unchanged`);
    await transport.exec(cmd('supervisorctl', 'update'));
    return changed(`${programs.length} program(s) updated`);
  },
};

/** Laravel's scheduler and custom cron lines, as the app user. cron reads the file by itself. */
export const scheduler: Task<ConfigureContext> = {
  name: 'scheduler',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    const l = appLayout(app.slug);
    const entries = [...(app.scheduler && app.kind === 'php' ? [laravelScheduler(app.phpVersion)] : []), ...app.cron];
    const text = renderCron({ slug: app.slug, user: l.user, directory: l.current, entries });
    const wrote = await ensureFile(transport, l.cronPath, text, { mode: 0o644, log });
    return wrote ? changed(`${entries.length} cron line(s)`) : unchanged(`${entries.length} cron line(s) unchanged`);
  },
};

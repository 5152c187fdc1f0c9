import { appLayout } from '@/lib/plan/app-layout';
import { and, cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { fpmService } from '../provision/context';
import { ensureAbsent, ensureFile } from '../provision/managed-file';
import { supervisorUpdate } from '../supervisor-update';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';
import { planAppOnServer, type DesiredFile } from '@/lib/plan';
import { settleTlsPaths } from './tls';
import { hasWebSlots, webSlots } from '@/lib/plan/web-slots';
import { readLiveSlot } from './live-slot';

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
    for (const file of planAppOnServer(ctx).pools) {
      const done = await apply(transport, file, log);
      if (!done) continue;
      ctx.reload.add(fpmService(file.phpVersion));
      outcomes.push(
        done === 'removed' ? `pool removed from PHP ${file.phpVersion}` : `pool: pm ${app.pool.pm}, max_children ${app.pool.maxChildren}`,
      );
    }
    if (outcomes.length) return changed(outcomes.join('; '));
    return unchanged(app.kind === 'php' && ctx.roles.includes('web') ? 'pool unchanged' : 'no pool here');
  },
};

/**
 * The nginx vhost for the app's domains; validated by nginx -t, put back if that fails. A process
 * app's vhost includes the live-slot file, which configure keeps on whatever slot is live: it is
 * written before the vhost that names it, and removed after the vhost that stopped naming it.
 */
export const vhost: Task<ConfigureContext> = {
  name: 'vhost',
  async run(ctx, { transport, log }) {
    const domains = ctx.app.domains.join(', ');
    await settleTlsPaths(ctx, transport, log);
    if (hasWebSlots(ctx.app, ctx.roles)) {
      ctx.liveSlot ??= await readLiveSlot(transport, ctx.app.slug);
      await transport.exec(cmd('install', '-d', '-m', '0755', webSlots(ctx.app.slug).liveDir));
    }
    const plan = planAppOnServer(ctx);
    const live = plan.liveUpstream;
    const liveDone = live.content !== null ? await apply(transport, live, log) : null;
    const done = await apply(transport, plan.vhost, log);
    const liveGone = live.content === null ? await apply(transport, live, log) : null;
    if (!done && !liveDone && !liveGone)
      return unchanged(ctx.roles.includes('web') ? `vhost for ${domains} unchanged` : 'not a web server for this app');
    ctx.reload.add('nginx');
    const slot = live.content !== null ? `; live slot ${ctx.liveSlot ?? 'a'}` : '';
    return changed(`${done === 'removed' ? 'vhost removed' : done ? `vhost for ${domains}` : `vhost for ${domains} unchanged`}${slot}`);
  },
};

/**
 * The live slot's link must exist before supervisor starts it: an app configured before slots
 * (or fresh) gets it pointed where `current` points, so "web" becomes slot a with the same code.
 */
async function ensureLiveLink(ctx: ConfigureContext, transport: Transport): Promise<void> {
  const link = webSlots(ctx.app.slug).link(ctx.liveSlot ?? 'a');
  if ((await transport.exec(cmd('test', '-L', link), { okExitCodes: [0, 1] })).code === 0) return;
  const current = await transport.exec(cmd('readlink', appLayout(ctx.app.slug).current), { okExitCodes: [0, 1] });
  if (current.code !== 0) return;
  await transport.exec(and(cmd('ln', '-sfn', current.stdout.trim(), `${link}.tmp`), cmd('mv', '-T', `${link}.tmp`, link)));
}

/**
 * Queue workers under supervisor, as the app user; `supervisorctl update` restarts only what
 * changed. A process app's own command runs here too, in its two web slots (web-slots.ts).
 */
export const workers: Task<ConfigureContext> = {
  name: 'workers',
  async run(ctx, { transport, log }) {
    const slots = hasWebSlots(ctx.app, ctx.roles);
    if (slots) {
      ctx.liveSlot ??= await readLiveSlot(transport, ctx.app.slug);
      await ensureLiveLink(ctx, transport);
    }
    const plan = planAppOnServer(ctx);
    const count = plan.programs.length + (slots ? 2 : 0);
    const done = await apply(transport, plan.supervisor, log);
    const web = await apply(transport, plan.webSlots, log);
    // Always: cheap, idempotent, and it applies a file an interrupted run wrote but never loaded.
    // The live slot's section is rendered as the release left it, so this does not restart it.
    const update = await transport.exec(supervisorUpdate());
    const slug = ctx.app.slug;
    const applied = update.stdout.split('\n').some((line) => line.startsWith(`berth-${slug}:`) || line.startsWith(`berth-${slug}_web-`));
    if (!done && !web && !applied) return unchanged(`${count} program(s) unchanged`);
    const what = [
      done && `worker programs ${done === 'removed' ? 'removed' : 'updated'}`,
      web && `web slots ${web === 'removed' ? 'removed' : `updated (live: ${ctx.liveSlot})`}`,
    ];
    return changed(what.filter(Boolean).join('; ') || 'supervisor applied a file written earlier');
  },
};

/** Laravel's scheduler and custom cron lines, as the app user. cron reads the file by itself. */
export const scheduler: Task<ConfigureContext> = {
  name: 'scheduler',
  async run(ctx, { transport, log }) {
    const plan = planAppOnServer(ctx);
    const count = plan.cronEntries.length;
    const done = await apply(transport, plan.cron, log);
    return done
      ? changed(done === 'removed' ? 'cron file removed' : `${count} cron line(s)`)
      : unchanged(`${count} cron line(s) unchanged`);
  },
};

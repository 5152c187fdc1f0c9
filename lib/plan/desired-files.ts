import { appLayout } from './app-layout';
import type { AppConfig } from '@/lib/model/app-config';
import { cmd, type Command } from '@/lib/remote/command';
import { laravelScheduler, renderCron } from '@/lib/templates/cron';
import { renderPool } from '@/lib/templates/fpm-pool';
import { renderLiveUpstream, renderVhost, type Upstream } from '@/lib/templates/nginx-vhost';
import { HEADER } from '@/lib/templates/directive';
import { renderPrograms, renderWorkers, type WorkerConfig } from '@/lib/templates/supervisor-program';
import type { AppRole, ServerPlanInput } from './server-input';
import { hasWebSlots, listenAddress, SLOTS, slotPort, webSlots, type Slot } from './web-slots';

/**
 * The config files configure would write on one server, rendered from typed values. `content`
 * null means the file must not exist there (a role or kind that does not need it). The configure
 * tasks write these; the pending-changes view diffs them against the server.
 */
export type DesiredFile = {
  path: string;
  content: string | null;
  mode: number;
  validate?: Command;
  /** The content holds a secret (e.g. a password in a service config): the pending view shows its status, never its text. */
  sensitive?: boolean;
};

const isWeb = (ctx: ServerPlanInput) => ctx.roles.includes('web');
const isWorker = (ctx: ServerPlanInput) => ctx.roles.includes('worker');

export function poolFile(ctx: ServerPlanInput): DesiredFile {
  const { app } = ctx;
  const l = appLayout(app.slug);
  const path = l.poolPath(app.phpVersion);
  const validate = cmd(`php-fpm${app.phpVersion}`, '-t');
  if (app.kind !== 'php' || !isWeb(ctx)) return { path, content: null, mode: 0o644, validate };
  const content = renderPool({
    slug: `berth-${app.slug}`,
    user: l.user,
    group: l.group,
    socket: l.fpmSocket,
    listenGroup: 'www-data',
    ...app.pool,
    slowlogPath: `${l.logDir}/fpm-slow.log`,
    statusPath: l.fpmStatusPath,
  });
  return { path, content, mode: 0o644, validate };
}

/**
 * The pool for the app's PHP version, and none under any other version the server has: after a
 * version change the old pool would otherwise keep running as the app user on the same socket.
 */
export function poolFiles(ctx: ServerPlanInput): (DesiredFile & { phpVersion: string })[] {
  const l = appLayout(ctx.app.slug);
  const others = ctx.server.phpVersions.filter((v) => v !== ctx.app.phpVersion);
  return [
    { ...poolFile(ctx), phpVersion: ctx.app.phpVersion },
    ...others.map((v) => ({ path: l.poolPath(v), content: null, mode: 0o644, validate: cmd(`php-fpm${v}`, '-t'), phpVersion: v })),
  ];
}

function upstreamOf(app: AppConfig): Upstream {
  if (app.kind === 'php') return { kind: 'php', fpmSocket: appLayout(app.slug).fpmSocket };
  // The same condition as hasWebSlots on a web server: the include exists exactly when the vhost names it.
  if (app.kind === 'process' && app.port && app.processArgv) return { kind: 'process', include: webSlots(app.slug).livePath };
  return { kind: 'static' };
}

export function vhostFile(ctx: ServerPlanInput): DesiredFile {
  const { app } = ctx;
  const l = appLayout(app.slug);
  const validate = cmd('nginx', '-t', '-q');
  if (!isWeb(ctx)) return { path: l.vhostPath, content: null, mode: 0o644, validate };
  const content = renderVhost({
    slug: app.slug,
    domains: app.domains,
    bindAddress: ctx.server.bindAddress,
    root: app.kind === 'process' ? l.current : `${l.current}/${app.webRoot}`,
    upstream: upstreamOf(app),
    clientMaxBodyMb: app.pool.uploadMaxMb,
    fpmStatusPath: app.kind === 'php' ? l.fpmStatusPath : undefined,
    acmeWebroot: l.acmeWebroot,
    tls: ctx.tlsPaths,
    snippet: app.nginxSnippet,
    accessLog: l.accessLog,
  });
  return { path: l.vhostPath, content, mode: 0o644, validate };
}

/** The worker programs supervisor runs for the app on a worker server (a process app's own command runs in its web slots). */
export function supervisorPrograms(app: AppConfig, roles: AppRole[], serverId: string | undefined) {
  return roles.includes('worker')
    ? app.workers.filter((w) => w.serverIds.length === 0 || (serverId !== undefined && w.serverIds.includes(serverId)))
    : [];
}

/**
 * A process app's own command in both slots (web-slots.ts): each on its port, told where to listen
 * by PORT and HOST, capped by RLIMIT_DATA when asked. `autostart` names the slots supervisord
 * starts by itself: the live one, and during a release the new one too.
 */
export function webSlotsContent(app: AppConfig, bindAddress: string | null | undefined, autostart: readonly Slot[]): string {
  const l = appLayout(app.slug);
  const s = webSlots(app.slug);
  const limit = app.memoryLimitMb ? ['prlimit', `--data=${app.memoryLimitMb * 1024 * 1024}`, '--'] : [];
  const programs: WorkerConfig[] = SLOTS.map((slot) => ({
    slug: app.slug,
    name: `web-${slot}`,
    argv: [...limit, ...app.processArgv!],
    user: l.user,
    directory: s.link(slot),
    processes: 1,
    stopWaitSeconds: 10,
    logDir: l.logDir,
    restart: app.restart,
    environment: { PORT: String(slotPort(app, slot)), HOST: listenAddress(bindAddress) },
    autostart: autostart.includes(slot),
  }));
  return [`; ${HEADER}`, ...renderPrograms(app.slug, programs)].join('\n');
}

/** The live slot configure keeps: read from the server by the configure tasks and the pending view. */
const liveOf = (ctx: ServerPlanInput): Slot => ctx.liveSlot ?? 'a';

export function webSlotsFile(ctx: ServerPlanInput): DesiredFile {
  const path = webSlots(ctx.app.slug).supervisorPath;
  const content = hasWebSlots(ctx.app, ctx.roles) ? webSlotsContent(ctx.app, ctx.server.bindAddress, [liveOf(ctx)]) : null;
  return { path, content, mode: 0o644, validate: cmd('supervisorctl', 'reread') };
}

/** nginx's way to the live slot (Upstream `include`); a release rewrites it to move traffic. */
export const liveUpstreamContent = (app: AppConfig, bindAddress: string | null | undefined, slot: Slot) =>
  renderLiveUpstream({ slot, address: listenAddress(bindAddress), port: slotPort(app, slot) });

export function liveUpstreamFile(ctx: ServerPlanInput): DesiredFile {
  const path = webSlots(ctx.app.slug).livePath;
  const content = hasWebSlots(ctx.app, ctx.roles) ? liveUpstreamContent(ctx.app, ctx.server.bindAddress, liveOf(ctx)) : null;
  return { path, content, mode: 0o644, validate: cmd('nginx', '-t', '-q') };
}

export function supervisorFile(ctx: ServerPlanInput): DesiredFile {
  const l = appLayout(ctx.app.slug);
  const programs = supervisorPrograms(ctx.app, ctx.roles, ctx.server.id);
  const validate = cmd('supervisorctl', 'reread');
  if (programs.length === 0) return { path: l.supervisorPath, content: null, mode: 0o644, validate };
  const content = renderWorkers(
    ctx.app.slug,
    programs.map((w) => ({ ...w, slug: ctx.app.slug, user: l.user, directory: l.current, logDir: l.logDir })),
  );
  return { path: l.supervisorPath, content, mode: 0o644, validate };
}

export function cronEntries(ctx: ServerPlanInput) {
  const { app } = ctx;
  if (!isWorker(ctx)) return [];
  return [...(app.scheduler && app.kind === 'php' ? [laravelScheduler(app.phpVersion)] : []), ...app.cron];
}

export function cronFile(ctx: ServerPlanInput): DesiredFile {
  const l = appLayout(ctx.app.slug);
  const entries = cronEntries(ctx);
  if (entries.length === 0) return { path: l.cronPath, content: null, mode: 0o644 };
  return { path: l.cronPath, content: renderCron({ slug: ctx.app.slug, user: l.user, directory: l.current, entries }), mode: 0o644 };
}

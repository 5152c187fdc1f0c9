import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { inRelease, releasePaths } from './paths';

/** Runs commands in the new release as the app user, one by one, with their output in the task log. */
export async function runAll(ctx: ReleaseContext, io: Parameters<Task<ReleaseContext>['run']>[1], commands: string[][], timeoutMs: number) {
  const p = releasePaths(ctx.app.slug, ctx.number);
  for (const argv of commands) {
    io.log(`$ ${argv.join(' ')}`);
    await io.transport.exec(inRelease(p, p.dir, argv), { timeoutMs, signal: io.signal, onLine: (_stream, line) => io.log(line) });
  }
}

const commandsTask = (
  name: string,
  pick: (ctx: ReleaseContext) => string[][],
  timeout: (ctx: ReleaseContext) => number,
): Task<ReleaseContext> => ({
  name,
  async run(ctx, io) {
    const commands = pick(ctx);
    if (commands.length === 0) return unchanged('nothing to run');
    await runAll(ctx, io, commands, timeout(ctx));
    return changed(`${commands.length} command(s)`);
  },
});

export const buildTimeout = (ctx: ReleaseContext) => ctx.app.release.buildTimeoutS * 1000;

/** e.g. composer install --no-dev, npm ci && npm run build; bounded by the app's build timeout. */
export const build = commandsTask('build', (ctx) => ctx.app.release.buildCommands, buildTimeout);
/** e.g. php artisan config:cache, on every server. */
export const releaseCommands = commandsTask('release-commands', (ctx) => ctx.app.release.releaseCommands, buildTimeout);
// Hooks (with the pre-migration snapshot's restore) are in hooks.ts.
/** Must pass on every server before any switches (e.g. php artisan about). */
export const preSwitchCheck = commandsTask(
  'pre-switch-check',
  (ctx) => (ctx.app.release.preSwitchCheck ? [ctx.app.release.preSwitchCheck] : []),
  () => 120_000,
);

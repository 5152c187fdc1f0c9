import { cmd, ignoreFailure, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import type { BackupContext } from './context';
import { initIfAbsent, secretFiles } from './restic';

/**
 * The run's directories (root, 0700) and secret files (0600), then, for a backup, the
 * repository: opened, or made when the target has none yet.
 */
export const prepare: Task<BackupContext> = {
  name: 'prepare',
  async run(ctx, { transport, log, signal }) {
    const p = ctx.paths;
    await transport.runScript(
      script(
        cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', p.root, p.appDir),
        cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', p.keys),
      ),
      { signal },
    );
    for (const file of secretFiles(ctx.target.settings, ctx.target, p))
      await transport.upload(file.content, file.path, { mode: 0o600, owner: 'root', group: 'root' });
    log(`repository ${ctx.repo.location} (target ${ctx.target.settings.kind})`);
    // A verify, drill or restore opens the repository with its first command (every restic call
    // costs a key derivation), and never makes an empty one.
    if (ctx.kind !== 'backup') return changed(`secrets in place for ${ctx.repo.location}`);
    await transport.exec(initIfAbsent(ctx.repo), { signal, timeoutMs: 5 * 60_000, onLine: (_s, l) => log(l) });
    return changed(`repository ready at ${ctx.repo.location}`);
  },
};

/** The run's secrets and staging go, whatever happened (the restore side path stays: it is the result). */
export async function removeRunFiles(transport: Transport, ctx: Pick<BackupContext, 'paths'>): Promise<void> {
  const p = ctx.paths;
  await transport.exec(ignoreFailure(cmd('rm', '-rf', '--', p.keys, p.stage, p.work)), { timeoutMs: 60_000 });
}

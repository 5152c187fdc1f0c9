import { cmd, script } from '@/lib/remote/command';
import { changed, type Task } from '../task';
import { type BackupContext, FILE_SAMPLE } from './context';

/** The policy's shared paths that exist on this server, absolute. */
export async function sharedPathsHere(ctx: BackupContext, exec: (paths: string[]) => Promise<string>): Promise<string[]> {
  const wanted = ctx.policy.files.map((f) => `${ctx.shared}/${f.replace(/^\/+|\/+$/g, '')}`);
  if (wanted.length === 0) return [];
  return (await exec(wanted)).split('\n').filter((l) => wanted.includes(l));
}

/**
 * Closes the "dumped" stage: which of the app's shared paths and /etc files exist here (they go
 * into the snapshot as they are), a sample of the files with their sha256 (a drill restores the
 * sample and compares), and manifest.json beside the dump, so the snapshot describes itself even
 * to someone restoring without the panel.
 */
export const files: Task<BackupContext> = {
  name: 'files',
  async run(ctx, { transport, log, signal }) {
    const existing = (paths: string[]) =>
      transport.exec(cmd('find', ...paths, '-maxdepth', '0', '-print'), { signal, okExitCodes: [0, 1] }).then((r) => r.stdout);
    const shared = await sharedPathsHere(ctx, existing);
    // A path that is not there is a typo or a moved directory: a green backup without it would
    // hide that. An empty directory that is there is fine (nothing uploaded yet).
    const missing = ctx.policy.files.map((f) => `${ctx.shared}/${f.replace(/^\/+|\/+$/g, '')}`).filter((p) => !shared.includes(p));
    if (missing.length)
      throw new Error(
        `the policy's path${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist on the server`,
      );
    const config = ctx.policy.serverConfig && ctx.configPaths.length ? (await existing(ctx.configPaths)).split('\n').filter(Boolean) : [];
    let sample: { path: string; sha256: string }[] = [];
    if (shared.length) {
      const listed = await transport.exec(cmd('find', ...shared, '-type', 'f', '-print0'), { signal });
      const all = listed.stdout
        .split('\0')
        .filter((f) => f && !f.includes('\n'))
        .sort();
      const step = Math.max(1, Math.floor(all.length / FILE_SAMPLE));
      const picked = all.filter((_, i) => i % step === 0).slice(0, FILE_SAMPLE);
      if (picked.length) {
        const sums = await transport.exec(cmd('sha256sum', '--', ...picked), { signal });
        sample = sums.stdout
          .split('\n')
          .map((l) => /^([0-9a-f]{64}) {2}(.+)$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => ({ path: m[2]!.slice(ctx.shared.length + 1), sha256: m[1]! }));
      }
      log(`${all.length} files under ${shared.join(', ')}; ${sample.length} hashed for drills`);
    }
    ctx.out.manifest.files = sample;
    ctx.out.manifest.config = config;
    ctx.out.included = [ctx.paths.stage, ...shared, ...config];
    await transport.runScript(script(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', ctx.paths.stage)), { signal });
    await transport.upload(`${JSON.stringify({ app: ctx.slug, run: ctx.runId, ...ctx.out.manifest }, null, 2)}\n`, ctx.paths.manifest, {
      mode: 0o600,
      owner: 'root',
      group: 'root',
    });
    await ctx.record({ dumpedAt: ctx.now(), manifest: ctx.out.manifest });
    return changed(`${shared.length} shared paths (${sample.length} files sampled), ${config.length} config paths`);
  },
};

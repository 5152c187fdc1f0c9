import type { TargetSettings } from '@/lib/model/backup-policy';
import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import { type BackupContext, LEFTOVER_MINUTES } from './context';
import { initCmd, openRepo, type Preflight, preflightCmd, preflightOutcome, type Repo, type RunPaths, secretFiles } from './restic';

/** Every exit code rclone has: the preflight reads them itself (3 is "directory not found"). */
const ANY_EXIT = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The run's directories (root, 0700) and secret files (0600), uploaded side by side. */
export async function placeSecrets(
  transport: Transport,
  target: { settings: TargetSettings; credential: string | null; repoKey: string },
  paths: RunPaths,
  signal?: AbortSignal,
): Promise<void> {
  await transport.exec(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', paths.root, paths.appDir, paths.keys), { signal });
  await Promise.all(
    secretFiles(target.settings, target, paths).map((f) =>
      transport.upload(f.content, f.path, { mode: 0o600, owner: 'root', group: 'root' }),
    ),
  );
}

/**
 * The repository, reached in seconds or not at all: the preflight (one quick rclone listing)
 * fails fast and says what failed (unreachable, credentials refused, bucket or path missing);
 * then, when `make` is set, `restic init` if the target has no repository for the app yet, or
 * `restic cat config` if it has (a wrong repository key fails here, before anything is dumped).
 * Exactly one restic command, never two. Without `make` (a verify, drill or restore) a missing
 * repository is an error and the key is checked by the run's first restic command.
 */
export async function reachRepository(
  transport: Transport,
  settings: TargetSettings,
  repo: Repo,
  opts: { make: boolean; signal?: AbortSignal; log?: (line: string) => void },
): Promise<'made' | 'opened' | 'found'> {
  const r = await transport.exec(preflightCmd(repo), { signal: opts.signal, timeoutMs: 60_000, okExitCodes: ANY_EXIT });
  const found: Preflight = preflightOutcome(settings, repo, { ...r, stderr: transport.redact(r.stderr) });
  if ('problem' in found) throw new Error(found.problem);
  const onLine = opts.log && ((_s: string, line: string) => opts.log!(line));
  if (!found.exists) {
    if (!opts.make) throw new Error(`There is no repository at ${repo.location} on the target`);
    await transport.exec(initCmd(repo), { signal: opts.signal, timeoutMs: 5 * 60_000, onLine });
    return 'made';
  }
  if (!opts.make) return 'found';
  await transport.exec(openRepo(repo), { signal: opts.signal, timeoutMs: 5 * 60_000, onLine });
  return 'opened';
}

/**
 * A panel that died mid-run never ran its cleanup: its run's secrets (keys-*), staged dump
 * (backup-*) and downloads (work-*) stay on the server. Whatever of this app's is older than
 * the longest a run can last is such a leftover (one run at a time per app); restore-* (a
 * restore's result) and the pre-migration *.dump files are never touched.
 */
export async function removeLeftovers(transport: Transport, paths: RunPaths, signal?: AbortSignal): Promise<void> {
  const names = ['keys-*', 'backup-*', 'work-*'].flatMap((n, i) => [...(i ? ['-o'] : []), '-name', n]);
  await transport.exec(
    cmd(
      'find',
      paths.appDir,
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-type',
      'd',
      '(',
      ...names,
      ')',
      '-mmin',
      `+${LEFTOVER_MINUTES}`,
      '-exec',
      'rm',
      '-rf',
      '--',
      '{}',
      '+',
    ),
    { signal, timeoutMs: 5 * 60_000, okExitCodes: [0, 1] },
  );
}

/** The run's secrets in place, then the target reached and its repository opened or made. */
export const prepare: Task<BackupContext> = {
  name: 'prepare',
  async run(ctx, { transport, log, signal }) {
    await removeLeftovers(transport, ctx.paths, signal);
    await placeSecrets(transport, ctx.target, ctx.paths, signal);
    log(`repository ${ctx.repo.location} (target ${ctx.target.settings.kind})`);
    const how = await reachRepository(transport, ctx.target.settings, ctx.repo, { make: ctx.kind === 'backup', signal, log });
    return changed(`repository ${how === 'made' ? 'made' : 'reached'} at ${ctx.repo.location}`);
  },
};

/**
 * The run's secrets and staging go, whatever happened (the restore side path stays: it is the
 * result). Retried: right after restic exits, the rclone it started may still be ending and
 * writing in the run's directories, so one `rm -rf` can meet "Directory not empty" (a suite run
 * left the keys behind once). Still failing after the last try, it throws; the next run's
 * prepare sweeps what is left after LEFTOVER_MINUTES.
 */
export async function removeRunFiles(transport: Transport, ctx: Pick<BackupContext, 'paths'>, tries = 5): Promise<void> {
  const p = ctx.paths;
  for (let attempt = 1; ; attempt++) {
    try {
      await transport.exec(cmd('rm', '-rf', '--', p.keys, p.stage, p.work), { timeoutMs: 60_000 });
      return;
    } catch (err) {
      if (attempt >= tries) throw err;
      await new Promise((resolve) => setTimeout(resolve, attempt * 400));
    }
  }
}

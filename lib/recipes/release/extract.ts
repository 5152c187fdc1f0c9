import fs from 'node:fs';
import { and, asUser, cmd, ignoreFailure, locked, LOCK_BUSY_EXIT, redirect } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import type { ReleaseContext } from './context';
import { releasePaths } from './paths';

const EXTRACT_TIMEOUT_MS = 10 * 60_000;
const DISK_FULL = /No space left on device|Disk quota exceeded/i;

/**
 * The commit's archive goes over stdin straight into `tar -x`, as the app user under the release
 * lock, and REVISION is written last in the same command: one round trip per server, no copy of
 * the archive on the server, nothing read into memory whole. REVISION is what `switch` checks, so
 * a release cut short anywhere before it is never made current.
 */
export const extract: Task<ReleaseContext> = {
  name: 'extract',
  async run(ctx, { transport, log, signal }) {
    const p = releasePaths(ctx.app.slug, ctx.number);
    const revision = `${p.dir}/REVISION`;
    const partial = `${p.dir}/.REVISION.tmp`;
    const unpack = locked(
      p.lock,
      asUser(
        p.user,
        and(
          cmd('install', '-d', '-m', '0750', p.dir),
          cmd('tar', '-x', '-f', '-', '-C', p.dir),
          // After tar, so only REVISION is made 0640 by it (umask and printf are shell builtins: no
          // process to start). Renamed into place, so an empty REVISION (a crash mid-write) never
          // passes for complete.
          cmd('umask', '027'),
          redirect(cmd('printf', '%s\n', ctx.sha), partial),
          cmd('mv', '-f', '-T', partial, revision),
        ),
      ),
    );
    const started = Date.now();
    const archive = fs.createReadStream(ctx.archivePath, { highWaterMark: 256 * 1024 });
    try {
      await transport.exec(unpack, { stdin: archive, timeoutMs: EXTRACT_TIMEOUT_MS, signal });
    } catch (err) {
      throw await explainFailure(ctx, transport, err);
    } finally {
      archive.destroy();
    }
    log(`streamed and unpacked the archive in ${Date.now() - started} ms`);
    return changed(`releases/${ctx.number} at ${ctx.sha.slice(0, 10)}`);
  },
};

/**
 * A failed extract leaves no half-written release behind (it has no REVISION, so it could never
 * be switched to, but it takes space), then says why: a full disk is named with the free space,
 * since tar's own "Cannot write" lines bury it.
 */
async function explainFailure(ctx: ReleaseContext, transport: Transport, err: unknown): Promise<unknown> {
  const p = releasePaths(ctx.app.slug, ctx.number);
  // Exit 75: another release's step holds the lock, so the directory may be its to use; leave it.
  if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) return err;
  await transport
    .exec(locked(p.lock, asUser(p.user, ignoreFailure(cmd('rm', '-rf', p.dir)))), { timeoutMs: 60_000 })
    .catch(() => undefined);
  const bytes = fs.statSync(ctx.archivePath, { throwIfNoEntry: false })?.size ?? 0;
  const df = await transport.exec(cmd('df', '-Pk', p.releases), { okExitCodes: [0, 1] }).catch(() => null);
  const freeKb = Number(df?.stdout.trim().split('\n')[1]?.split(/\s+/)[3] ?? NaN);
  const said = err instanceof RemoteError && DISK_FULL.test(err.stderrTail);
  if (said || freeKb * 1024 < bytes) {
    return Object.assign(
      new Error(
        `No space left on ${ctx.server.name}: ${p.releases} has ${Number.isFinite(freeKb) ? freeKb : '?'} KB free; the release needs ${Math.ceil(bytes / 1024)} KB (its unpacked archive).`,
      ),
      { exitCode: err instanceof RemoteError ? err.exitCode : null },
    );
  }
  return err;
}

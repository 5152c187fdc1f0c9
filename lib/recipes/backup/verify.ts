import { cmd, pipefail, redirect, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, type Task } from '../task';
import { type BackupContext, LONG_MS, type SourceBackup } from './context';
import { checkCmd, dumpCmd } from './restic';

/** The snapshot to read: this backup's own, or a verify's, drill's or restore's source. */
export function snapshotToRead(ctx: BackupContext): SourceBackup {
  if (ctx.kind === 'backup') {
    if (!ctx.out.snapshotId) throw new Error('no snapshot was made');
    return { runId: ctx.runId, snapshotId: ctx.out.snapshotId, manifest: ctx.out.manifest, paths: ctx.paths };
  }
  if (!ctx.source) throw new Error('no backup to read');
  return ctx.source;
}

/**
 * Reads the dump back from the target into the run's work directory and checks it is the one
 * that was dumped: the same sha256 as the manifest, and `pg_restore --list` reads it whole.
 * Returns its path there.
 */
export async function fetchDump(
  ctx: BackupContext,
  transport: Transport,
  src: SourceBackup,
  signal: AbortSignal,
  opts: { besideCheck?: boolean } = {},
): Promise<string> {
  const want = src.manifest.dump;
  if (!want) throw new Error('the backup has no database dump');
  const to = `${ctx.paths.work}/database.dump`;
  const out = await transport.runScript(
    script(
      cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', ctx.paths.work),
      cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', to),
      dumpCmd(ctx.repo, src.snapshotId, src.paths.dump, to, { noLock: opts.besideCheck }),
      pipefail(cmd('sha256sum', to), cmd('cut', '-d', ' ', '-f', '1')),
      redirect(cmd('pg_restore', '--list', to), '/dev/null'),
    ),
    { signal, timeoutMs: LONG_MS },
  );
  const sha = out.stdout.trim().split('\n').at(-1);
  if (sha !== want.sha256) throw new Error(`the dump read back from the target has sha256 ${sha}, but ${want.sha256} was dumped`);
  return to;
}

/**
 * "Verified remotely": restic reads packs back from the target and checks them against their
 * hash, then the dump is read back and checked against the manifest (which reads every blob of
 * this snapshot's dump). An on-demand verify run reads every pack (`check --read-data`); a
 * backup's own verify reads the day's seventh (`--read-data-subset=<day>/7`), so the whole
 * repository is read once a week.
 */
export const verify: Task<BackupContext> = {
  name: 'verify',
  async run(ctx, { transport, log, signal }) {
    const src = snapshotToRead(ctx);
    const subset = ctx.kind === 'backup' ? ctx.now().getUTCDay() + 1 : undefined;
    const how = subset === undefined ? 'check --read-data' : `check --read-data-subset=${subset}/7`;
    log(`restic ${how} of ${ctx.repo.location}${src.manifest.dump ? ', and the dump read back beside it' : ''}`);
    // Side by side (two sessions on the connection): both read from the target, and each restic
    // command spends its first second deriving the key. Both must succeed; the first failure is
    // reported once both have ended, so nothing of the run is still running when it is cleaned up.
    const outcomes = await Promise.allSettled([
      transport.exec(checkCmd(ctx.repo, subset), { signal, timeoutMs: LONG_MS, onLine: (_s, line) => log(line) }),
      src.manifest.dump ? fetchDump(ctx, transport, src, signal, { besideCheck: true }) : Promise.resolve(null),
    ]);
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
    let what =
      subset === undefined ? 'every pack read back and matches its hash' : `the packs of subset ${subset}/7 read back and match their hash`;
    if (src.manifest.dump) what += `; the dump's sha256 matches and pg_restore --list reads it`;
    ctx.out.detail.verifiedBy = how;
    await ctx.record({ verifiedAt: ctx.now() });
    return changed(what);
  },
};

import { cmd, ignoreFailure, or, redirect, script } from '@/lib/remote/command';
import type { ExecResult, Transport } from '@/lib/remote/transport';
import { adminPsql } from '../configure/database';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';

/** Seed 002: a pre-migration snapshot is kept this long, then the data server's next release cleanup removes it. */
export const SNAPSHOT_KEEP_DAYS = 7;
export const SNAPSHOT_ROOT = '/var/backups/berth';
const DUMP_TIMEOUT_MS = 30 * 60_000;

export const snapshotDir = (slug: string) => `${SNAPSHOT_ROOT}/${slug}`;

/** Only paths Berth itself names are ever removed or restored from, whatever a row says. */
export const isSnapshotPath = (slug: string, path: string) =>
  new RegExp(`^${SNAPSHOT_ROOT}/${slug}/\\d+-\\d{8}T\\d{6}Z\\.dump$`).test(path);

/** 2026-01-02T03:04:05.678Z → 20260102T030405Z: sorts by time, no characters a shell or URL minds. */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** The hooks this server runs that are marked as migrations. */
export const migrationHooksHere = (ctx: ReleaseContext) =>
  ctx.app.release.hooks.filter((h) => h.migration && (!h.serverId || h.serverId === ctx.server.id));

/**
 * Before any hook runs: a `pg_dump -Fc` of the app's database on its data server, when this
 * server runs a migration hook (the app reaches its database on 127.0.0.1, so a migration can
 * only change it from there). A step of its own, so a dump that fails stops the release before
 * any migration, and the log shows how long it took. The directory is root's, mode 0700, and the
 * file 0600: app users, and so the apps, cannot read other data (or their own past data) in it.
 * The dump is written under a temporary name and renamed, so a listed .dump is always whole.
 */
export const snapshot: Task<ReleaseContext> = {
  name: 'snapshot',
  async run(ctx, { transport, log, signal }) {
    const target = ctx.database;
    if (!target) return unchanged(ctx.app.dataServices.postgres ? "the database is on the app's data server" : 'no Berth-managed database');
    if (migrationHooksHere(ctx).length === 0) return unchanged('no migration hook runs here');
    const admin = await adminPsql(transport);
    const dir = snapshotDir(ctx.app.slug);
    const takenAt = new Date();
    const path = `${dir}/${ctx.number}-${stamp(takenAt)}.dump`;
    const partial = `${path}.partial`;
    log(`pg_dump -Fc of ${target.database} (${admin.via}) to ${path}`);
    let out: ExecResult;
    try {
      out = await transport.runScript(
        script(
          cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', SNAPSHOT_ROOT, dir),
          cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', partial),
          // The redirect is root's: the file stays root's even where pg_dump runs as postgres.
          redirect(admin.client('pg_dump', '-w', '-Fc', '-d', target.database), partial),
          cmd('mv', '-f', '-T', partial, path),
          cmd('stat', '-c', '%s', path),
        ),
        { signal, timeoutMs: DUMP_TIMEOUT_MS },
      );
    } catch (err) {
      await transport.exec(ignoreFailure(cmd('rm', '-f', partial))).catch(() => undefined);
      const e = err as Error & { exitCode?: number | null };
      throw Object.assign(new Error(`Could not take the pre-migration snapshot of ${target.database}, so no migration ran: ${e.message}`), {
        exitCode: e.exitCode,
      });
    }
    const sizeBytes = Number(out.stdout.trim().split('\n').at(-1));
    ctx.snapshot = { path, takenAt, sizeBytes };
    return changed(`${target.database}: ${formatBytes(sizeBytes)} in ${path}, kept ${SNAPSHOT_KEEP_DAYS} days`);
  },
};

/**
 * Part of `cleanup` on the data server: removes the dumps of expired snapshots (the job passes
 * them in and marks them deleted after), and any dump a day older than that which no row knows
 * of (the panel died between dump and record), so nothing piles up unseen.
 */
export async function removeExpiredSnapshots(ctx: ReleaseContext, transport: Transport, log: (line: string) => void): Promise<number> {
  if (!ctx.database) return 0;
  const dir = snapshotDir(ctx.app.slug);
  const expired = ctx.database.expired.filter((s) => isSnapshotPath(ctx.app.slug, s.path));
  const orphanMinutes = (SNAPSHOT_KEEP_DAYS + 1) * 24 * 60;
  const sweep = cmd('find', dir, '-maxdepth', '1', '-type', 'f', '-name', '*.dump*', '-mmin', `+${orphanMinutes}`, '-print', '-delete');
  const steps = [...(expired.length ? [cmd('rm', '-f', ...expired.map((s) => s.path))] : []), sweep];
  const out = await transport.runScript(script(...steps.map((s) => or(cmd('test', '!', '-d', dir), s))));
  const orphans = out.stdout.split('\n').filter(Boolean);
  for (const s of expired) log(`removed the expired snapshot ${s.path}`);
  for (const path of orphans) log(`removed ${path}, a snapshot no row recorded`);
  ctx.removedSnapshots = expired.map((s) => s.id);
  return expired.length + orphans.length;
}

import { cmd, locked, LOCK_BUSY_EXIT, script } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import type { Transport } from '@/lib/remote/transport';
import { type AdminPsql, adminPsql } from '../configure/database';
import { releaseLockPath } from '../release/paths';
import { changed, type Task, unchanged } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { checkSample, cleanupSql } from './drill';
import {
  allowConnectionsSql,
  countDifferences,
  countSql,
  createDatabaseSql,
  dropDatabaseSql,
  existingDatabasesSql,
  keptName,
  parseCountRows,
  psqlOn,
  restoredName,
  restoreInto,
  roleExistsSql,
  swapSql,
} from './pg';
import { dumpCmd, restoreCmd } from './restic';
import { fetchDump, snapshotToRead } from './verify';

/**
 * Restore of the database, never over the live one: the dump goes into a NEW database owned by
 * the app's role (restored as that role: the dump's code never runs as the superuser), its rows
 * are counted against the manifest, and only then are the names swapped (the old database kept
 * as <db>_before_<stamp>), with the app's sessions ended, under the app's release lock so no
 * migration runs meanwhile. The app keeps its credentials. Before the swap any failure drops the
 * new database and leaves the live one as it was; once the swap has committed the app serves the
 * restored data, so what fails after it is a warning, not a failed restore.
 */
export const restoreDatabase: Task<BackupContext> = {
  name: 'restore-database',
  async run(ctx, { transport, log, signal }) {
    const src = snapshotToRead(ctx);
    if (!ctx.restore?.database) return unchanged('the database was not asked for');
    if (!src.manifest.dump) {
      if (!ctx.restore.files) throw new Error('the backup has no database dump to restore');
      return unchanged('the backup has no database dump');
    }
    if (!ctx.database)
      throw new Error(
        `the backup has a dump of ${src.manifest.dump.database}, but the policy no longer covers the app's database (or the app has none): nothing to restore it into`,
      );
    const { database, role } = ctx.database;
    const admin = await adminPsql(transport);
    const sql = (db: string, text: string) => transport.exec(psqlOn(admin, db), { stdin: text, signal, timeoutMs: LONG_MS });
    const file = await fetchDump(ctx, transport, src, signal);
    if ((await sql('postgres', roleExistsSql(role))).stdout.trim() === '0') {
      log(`role ${role} is missing: creating it from the backup's roles.sql`);
      const roles = `${ctx.paths.work}/roles.sql`;
      await transport.runScript(script(dumpCmd(ctx.repo, src.snapshotId, src.paths.roles, roles)), { signal });
      await transport.exec(psqlOn(admin, 'postgres'), { stdin: (await transport.readFile(roles)).toString('utf8'), signal });
    }
    const fresh = restoredName(database, ctx.runId);
    const dropFresh = () => cleanupSql(transport, admin, dropDatabaseSql(fresh), log, `dropped ${fresh}`);
    try {
      await sql('postgres', dropDatabaseSql(fresh) + createDatabaseSql(fresh, role));
      log(`restoring into the new database ${fresh} as ${role}`);
      await transport.exec(restoreInto(admin, file, fresh, { role, keepAcl: true }), { signal, timeoutMs: LONG_MS });
      const expected = src.manifest.tables ?? {};
      const diff = countDifferences(expected, parseCountRows((await sql(fresh, countSql(Object.keys(expected)))).stdout));
      if (diff.length)
        throw new Error(`the restored rows differ from the manifest, the live database was not touched:\n${diff.join('\n')}`);
    } catch (err) {
      await dropFresh();
      throw err;
    }
    const kept = keptName(database, ctx.now());
    try {
      await transport.exec(locked(releaseLockPath(ctx.slug), psqlOn(admin, 'postgres')), { stdin: swapSql(database, fresh, kept), signal });
    } catch (err) {
      if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) {
        await dropFresh();
        throw new Error(
          `A release step is running for ${ctx.slug}: the live database was not touched; restore again when it has finished.`,
        );
      }
      if (!(await swapCommitted(transport, admin, fresh, kept))) {
        await cleanupSql(transport, admin, allowConnectionsSql(database), log, `${database} takes connections again`);
        throw err;
      }
      const warning = `the swap committed, then: ${(err as Error).message}`.slice(0, 500);
      log(`warning: ${warning}`);
      ctx.out.detail.warning = warning;
    }
    if (!(await cleanupSql(transport, admin, allowConnectionsSql(kept), log, `${kept} takes connections again (to look in)`)))
      ctx.out.detail.warning = `${kept} still refuses connections: ALTER DATABASE ${kept} ALLOW_CONNECTIONS true to look in it`;
    ctx.out.detail.database = database;
    ctx.out.detail.keptAs = kept;
    log(`${database} is now the restored data; the previous one is kept as ${kept}`);
    return changed(`${database} restored from snapshot ${src.snapshotId.slice(0, 8)}; the previous data kept as ${kept}`);
  },
};

/** After the swap's psql failed: had it committed (the restored database has the live name, the old one the kept name)? */
async function swapCommitted(transport: Transport, admin: AdminPsql, fresh: string, kept: string): Promise<boolean> {
  const r = await transport
    .exec(psqlOn(admin, 'postgres'), { stdin: existingDatabasesSql([fresh, kept]), timeoutMs: 60_000 })
    .catch(() => null);
  const names = r?.stdout.split('\n').map((l) => l.trim()) ?? [];
  return names.includes(kept) && !names.includes(fresh);
}

const PREVIEW_LINES = 200;

/**
 * Files go to a side path, /var/backups/berth/<slug>/restore-<run>/ (the absolute paths below
 * it), never over the live ones; the preview lists what differs from live shared/.
 */
export const restoreFiles: Task<BackupContext> = {
  name: 'restore-files',
  async run(ctx, { transport, log, signal }) {
    const src = snapshotToRead(ctx);
    if (!ctx.restore?.files) return unchanged('the files were not asked for');
    const paths = ctx.policy.files.map((f) => `${ctx.shared}/${f.replace(/^\/+|\/+$/g, '')}`);
    if (paths.length === 0) {
      if (!ctx.restore.database) throw new Error('the policy backs up no files: there are none to restore');
      if (ctx.out.detail.keptAs === undefined)
        throw new Error('nothing to restore: the backup has no database dump and the policy no files');
      return unchanged('the policy backs up no files');
    }
    const into = ctx.paths.restore;
    await transport.runScript(script(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', into)), { signal });
    await transport.exec(restoreCmd(ctx.repo, src.snapshotId, into, paths), { signal, timeoutMs: LONG_MS });
    const bad = (src.manifest.files?.length ?? 0) > 0 ? await checkSample(ctx, transport, signal, into, true) : [];
    if (bad.length) throw new Error(`restored files differ from the backup's hashes: ${bad.slice(0, 10).join(', ')}`);
    const preview: string[] = [];
    for (const p of paths) {
      const diff = await transport.exec(cmd('diff', '-rq', `${into}${p}`, p), { signal, okExitCodes: [0, 1, 2] });
      preview.push(...`${diff.stdout}${diff.stderr}`.split('\n').filter(Boolean));
    }
    for (const line of preview.slice(0, PREVIEW_LINES)) log(line);
    if (preview.length > PREVIEW_LINES) log(`… and ${preview.length - PREVIEW_LINES} more`);
    ctx.out.detail.filesPath = into;
    ctx.out.detail.filesDiffering = preview.length;
    return changed(`files restored to ${into}; ${preview.length} differ from the live ones (see the log)`);
  },
};

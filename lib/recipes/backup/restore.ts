import { cmd, locked, LOCK_BUSY_EXIT, script } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import { adminPsql } from '../configure/database';
import { releaseLockPath } from '../release/paths';
import { changed, type Task, unchanged } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { checkSample } from './drill';
import {
  allowConnectionsSql,
  countDifferences,
  countSql,
  createDatabaseSql,
  dropDatabaseSql,
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
 * the app's role, its rows are counted against the manifest, and only then are the names
 * swapped (the old database kept as <db>_before_<stamp>), with the app's sessions ended, under
 * the app's release lock so no migration runs meanwhile. The app keeps its credentials.
 */
export const restoreDatabase: Task<BackupContext> = {
  name: 'restore-database',
  async run(ctx, { transport, log, signal }) {
    const src = snapshotToRead(ctx);
    if (!ctx.restore?.database) return unchanged('the database was not asked for');
    if (!src.manifest.dump || !ctx.database) return unchanged('the backup has no database dump');
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
    await sql('postgres', dropDatabaseSql(fresh) + createDatabaseSql(fresh, role));
    try {
      log(`restoring into the new database ${fresh}`);
      await transport.exec(restoreInto(admin, file, fresh, { keepOwners: true }), { signal, timeoutMs: LONG_MS });
      const expected = src.manifest.tables ?? {};
      const diff = countDifferences(expected, parseCountRows((await sql(fresh, countSql(Object.keys(expected)))).stdout));
      if (diff.length)
        throw new Error(`the restored rows differ from the manifest, the live database was not touched:\n${diff.join('\n')}`);
    } catch (err) {
      await sql('postgres', dropDatabaseSql(fresh)).catch(() => undefined);
      throw err;
    }
    const kept = keptName(database, ctx.now());
    try {
      await transport.exec(locked(releaseLockPath(ctx.slug), psqlOn(admin, 'postgres')), { stdin: swapSql(database, fresh, kept), signal });
    } catch (err) {
      await sql('postgres', allowConnectionsSql(database)).catch(() => undefined);
      if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT)
        throw new Error(
          `A release step is running for ${ctx.slug}: the restored data waits in ${fresh}; restore again when it has finished.`,
        );
      throw err;
    }
    ctx.out.detail.database = database;
    ctx.out.detail.keptAs = kept;
    log(`${database} is now the restored data; the previous one is kept as ${kept}`);
    return changed(`${database} restored from snapshot ${src.snapshotId.slice(0, 8)}; the previous data kept as ${kept}`);
  },
};

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
    if (paths.length === 0) return unchanged('the policy backs up no files');
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

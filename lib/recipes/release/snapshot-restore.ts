import { cmd, locked, LOCK_BUSY_EXIT, pipefail, script } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import type { Transport } from '@/lib/remote/transport';
import { adminPsql, psqlLoad } from '../configure/database';
import { changed, type Recipe, type Task, type TaskIO } from '../task';
import type { ReleaseContext, SnapshotTarget } from './context';
import { releasePaths } from './paths';
import { isSnapshotPath } from './snapshot';

const RESTORE_TIMEOUT_MS = 30 * 60_000;
const ROLE = /^app_[a-z][a-z0-9_]{0,31}$/;

/** What a restore needs: the app, its database and role, and the dump on this server. */
export type RestoreContext = SnapshotTarget & { slug: string; path: string };

/**
 * Puts the database back as the dump has it, as the server's Postgres superuser (the configure
 * task's admin access), in ONE transaction: all of it, or nothing.
 * - `pg_restore -f /dev/null` first reads the whole dump: a damaged file fails here, before
 *   anything is dropped (the pipe below reports only psql's exit status).
 * - `DROP OWNED BY <role>` first, in that same transaction: everything the app's role made since
 *   the dump (a table a failed migration created) goes too. `pg_restore --clean --if-exists`
 *   alone only drops what the dump contains, and would leave such a table beside restored
 *   migration bookkeeping that no longer mentions it, so the next deploy would fail on it.
 * - Under the app's release lock, so it never runs beside a release step left running (a
 *   migration of a release whose panel died).
 */
export async function restoreDatabase(
  transport: Transport,
  r: RestoreContext,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (!isSnapshotPath(r.slug, r.path)) throw new Error(`not a snapshot of ${r.slug}: ${r.path}`);
  if (!ROLE.test(r.role) || !ROLE.test(r.database)) throw new Error(`not an app database or role: ${r.database}, ${r.role}`);
  const admin = await adminPsql(transport);
  log(`restoring ${r.database} from ${r.path} (${admin.via}), in one transaction`);
  const psql = psqlLoad(admin, r.database, `DROP OWNED BY ${r.role}`);
  // pipefail: a pg_restore that dies mid-stream must fail the restore, not let psql commit what it read.
  const restore = pipefail(cmd('pg_restore', '--clean', '--if-exists', '-f', '-', r.path), psql);
  const lock = releasePaths(r.slug, 0).lock;
  try {
    await transport.runScript(script(cmd('pg_restore', '-f', '/dev/null', r.path), locked(lock, restore)), {
      signal,
      timeoutMs: RESTORE_TIMEOUT_MS,
      onLine: (_stream, line) => log(line),
    });
  } catch (err) {
    if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) {
      throw new Error(
        `A release step is still running on ${transport.serverName} (it holds ${lock}): nothing was restored; wait for it to end, then try again.`,
      );
    }
    throw err;
  }
  log(`${r.database} restored from ${r.path}`);
}

/**
 * A migration hook failed after `snapshot` took its dump: restore it, then fail the task with the
 * hook's error and what became of the database. The first line (the task's summary) says both.
 * No abort signal: a release cancelled mid-migration needs the restore most of all.
 */
export async function restoreAfterFailedMigration(ctx: ReleaseContext, io: TaskIO, hookError: unknown): Promise<Error> {
  const e = hookError as Error & { exitCode?: number | null };
  const snap = ctx.snapshot!;
  const target = { ...ctx.database!, slug: ctx.app.slug, path: snap.path };
  io.log('the migration failed: restoring the database from the snapshot taken before it');
  try {
    await restoreDatabase(io.transport, target, io.log);
    snap.restoredAt = new Date();
    io.log('database restored from the snapshot');
    return Object.assign(new Error(`A migration failed: database restored from the snapshot taken before it.\n${e.message}`), {
      exitCode: e.exitCode,
    });
  } catch (err) {
    const message = `A migration failed, and restoring the snapshot ${snap.path} failed too: restore it from the release page.\n${e.message}\nThe restore: ${(err as Error).message}`;
    return Object.assign(new Error(message), { exitCode: e.exitCode });
  }
}

/** "Restore snapshot" from the release page: one task, recorded as a run on the data server. */
const restoreTask: Task<RestoreContext> = {
  name: 'restore-snapshot',
  async run(ctx, { transport, log, signal }) {
    await restoreDatabase(transport, ctx, log, signal);
    return changed(`${ctx.database} restored from ${ctx.path}`);
  },
};

export const snapshotRestoreRecipe: Recipe<RestoreContext> = { name: 'snapshot-restore', tasks: [restoreTask] };

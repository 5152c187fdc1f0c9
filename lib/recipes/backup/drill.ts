import { cmd, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { type AdminPsql, adminPsql } from '../configure/database';
import { changed, type Task, unchanged } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { countDifferences, countSql, createDatabaseSql, dropDatabaseSql, parseCountRows, psqlOn, restoreInto, scratchName } from './pg';
import { restoreCmd } from './restic';
import { fetchDump, snapshotToRead } from './verify';

/** How long a cleanup statement (a drop, connections allowed again) may take. */
const CLEANUP_MS = 2 * 60_000;

/**
 * SQL that must run whatever happened to the run, so never under its signal: an aborted or timed
 * out job still drops its scratch database and opens the live one again. Logs `done` only when
 * it worked; a failure is logged and returned (false), never thrown over the run's own error.
 */
export async function cleanupSql(transport: Transport, admin: AdminPsql, text: string, log: (l: string) => void, done: string) {
  try {
    await transport.exec(psqlOn(admin, 'postgres'), { stdin: text, timeoutMs: CLEANUP_MS });
    log(done);
    return true;
  } catch (err) {
    log(`cleanup failed (${text.trim()}): ${(err as Error).message}`);
    return false;
  }
}

/**
 * A restore drill of the database: the backup's dump read back from the target (checksum
 * checked), restored into a scratch database on the data server (owned by the app's role, and
 * restored as that role: the dump's code never runs as the superuser), every table's rows
 * counted and compared with the counts recorded at dump time, timed; the scratch database is
 * dropped whatever happened.
 */
export const drillDatabase: Task<BackupContext> = {
  name: 'drill-database',
  async run(ctx, { transport, log, signal }) {
    const src = snapshotToRead(ctx);
    if (!src.manifest.dump) return unchanged('the backup has no database dump');
    if (!ctx.database)
      throw new Error(
        `the backup has a dump of ${src.manifest.dump.database}, but the policy no longer covers the app's database (or the app has none): it cannot be drilled`,
      );
    const { database, role } = ctx.database;
    const started = Date.now();
    const admin = await adminPsql(transport);
    const file = await fetchDump(ctx, transport, src, signal);
    const scratch = scratchName(database, ctx.runId);
    const sql = (db: string, text: string) => transport.exec(psqlOn(admin, db), { stdin: text, signal, timeoutMs: LONG_MS });
    try {
      await sql('postgres', dropDatabaseSql(scratch) + createDatabaseSql(scratch, role));
      log(`restoring into the scratch database ${scratch} as ${role}`);
      await transport.exec(restoreInto(admin, file, scratch, { role, keepAcl: false }), { signal, timeoutMs: LONG_MS });
      const expected = src.manifest.tables ?? {};
      const got = parseCountRows((await sql(scratch, countSql(Object.keys(expected)))).stdout);
      const diff = countDifferences(expected, got);
      if (diff.length) throw new Error(`the restored rows differ from the manifest:\n${diff.join('\n')}`);
      const ms = Date.now() - started;
      const rows = Object.values(expected).reduce((a, b) => a + b, 0);
      ctx.out.detail.drillDatabaseMs = ms;
      ctx.out.detail.drillTables = Object.keys(expected).length;
      ctx.out.detail.drillRows = rows;
      return changed(`${Object.keys(expected).length} tables, ${rows} rows: counts equal the manifest; restored in ${ms} ms`);
    } finally {
      await cleanupSql(transport, admin, dropDatabaseSql(scratch), log, `dropped ${scratch}`);
    }
  },
};

/**
 * The backup's sample of files under `into` (restored there first unless `restored`), compared
 * with the sha256 the manifest recorded: returns the paths that differ or are missing.
 */
export async function checkSample(ctx: BackupContext, transport: Transport, signal: AbortSignal, into: string, restored = false) {
  const src = snapshotToRead(ctx);
  const sample = src.manifest.files ?? [];
  const abs = sample.map((f) => `${ctx.shared}/${f.path}`);
  if (!restored) {
    await transport.runScript(script(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', ctx.paths.work, into)), { signal });
    await transport.exec(restoreCmd(ctx.repo, src.snapshotId, into, abs), { signal, timeoutMs: LONG_MS });
  }
  const sums = await transport.exec(cmd('sha256sum', '--', ...abs.map((p) => `${into}${p}`)), { signal, okExitCodes: [0, 1] });
  const got = new Map(
    sums.stdout
      .split('\n')
      .map((l) => /^([0-9a-f]{64}) {2}(.+)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[2]!.slice(into.length + ctx.shared.length + 1), m[1]!]),
  );
  return sample.filter((f) => got.get(f.path) !== f.sha256).map((f) => f.path);
}

export const drillFiles: Task<BackupContext> = {
  name: 'drill-files',
  async run(ctx, { transport, signal }) {
    const sample = snapshotToRead(ctx).manifest.files ?? [];
    if (sample.length === 0) {
      // A drill that restored nothing proves nothing: it must not mark the backup restore-verified.
      if (ctx.out.detail.drillDatabaseMs === undefined)
        throw new Error('nothing to drill: the backup has no database dump and no sampled files');
      return unchanged('the backup has no sampled files');
    }
    const started = Date.now();
    const bad = await checkSample(ctx, transport, signal, `${ctx.paths.work}/files`);
    if (bad.length) throw new Error(`restored files differ from the backup's hashes: ${bad.slice(0, 10).join(', ')}`);
    ctx.out.detail.drillFilesMs = Date.now() - started;
    return changed(`${sample.length} sampled files restored with their sha256`);
  },
};

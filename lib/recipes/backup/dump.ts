import { cmd, ignoreFailure, pipefail, redirect, script } from '@/lib/remote/command';
import type { ExecResult } from '@/lib/remote/transport';
import { adminPsql } from '../configure/database';
import { formatBytes } from '../release/snapshot';
import { changed, unchanged, type Task } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { countRowsInDump, parseCounts, psqlOn, roleSql } from './pg';

/**
 * `pg_dump -Fc` of the app's database into the run's staging directory: written under a
 * temporary name, read back whole, checksummed, and only then moved to its name (a full disk or
 * a killed pg_dump can never leave a dump that looks whole). The role and its grants go beside
 * it (roles.sql, built from the catalog: pg.ts roleSql); the rows per table are counted from the dump's own data, so a drill compares a
 * restore with what was dumped, not with the live database.
 *
 * After pg_dump, its checks run side by side (three sessions on the connection): `pg_restore
 * --list` + sha256 + size, the row count (the long one: it decompresses every row), and the
 * role. Every one must succeed: the step fails on the first failure, once all have ended.
 */
export const dump: Task<BackupContext> = {
  name: 'dump',
  async run(ctx, { transport, log, signal }) {
    const p = ctx.paths;
    const target = ctx.database;
    const stage = cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', p.stage);
    if (!target) {
      await transport.exec(stage, { signal });
      return unchanged(ctx.policy.database ? 'the app has no Berth-managed database' : 'the policy leaves the database out');
    }
    const admin = await adminPsql(transport);
    const partial = `${p.dump}.partial`;
    log(`pg_dump -Fc of ${target.database} (${admin.via})`);
    let sha256: string;
    let bytes: number;
    let tables: Record<string, number>;
    try {
      await transport.runScript(
        script(
          stage,
          cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', partial),
          cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', p.roles),
          redirect(admin.client('pg_dump', '-w', '-Fc', '-d', target.database), partial),
        ),
        { signal, timeoutMs: LONG_MS },
      );
      const outcomes = await Promise.allSettled([
        transport.runScript(
          script(
            redirect(cmd('pg_restore', '--list', partial), '/dev/null'),
            pipefail(cmd('sha256sum', partial), cmd('cut', '-d', ' ', '-f', '1')),
            cmd('stat', '-c', '%s', partial),
          ),
          { signal, timeoutMs: LONG_MS },
        ),
        transport.exec(countRowsInDump(partial), { signal, timeoutMs: LONG_MS }),
        // roles.sql holds the role's password verifier: written by root's redirect, never read into the panel.
        transport
          .exec(redirect(psqlOn(admin, 'postgres'), p.roles), { signal, stdin: roleSql(target.role) })
          .then(() => transport.exec(cmd('grep', '-q', '^CREATE ROLE ', p.roles), { signal, okExitCodes: [0, 1] }))
          .then((r) => {
            if (r.code !== 0) throw new Error(`the role ${target.role} does not exist on the data server`);
            return r;
          }),
      ]);
      for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
      const [checked, counted] = outcomes.map((o) => (o as PromiseFulfilledResult<ExecResult>).value) as [ExecResult, ExecResult];
      const [sum, size] = checked.stdout.trim().split('\n').slice(-2);
      if (!/^[0-9a-f]{64}$/.test(sum ?? '')) throw new Error(`could not read the dump's checksum: ${checked.stdout.slice(-200)}`);
      [sha256, bytes, tables] = [sum!, Number(size), parseCounts(counted.stdout)];
      await transport.exec(cmd('mv', '-f', '-T', partial, p.dump), { signal });
    } catch (err) {
      await transport.exec(ignoreFailure(cmd('rm', '-f', partial))).catch(() => undefined);
      throw err;
    }
    ctx.out.manifest.dump = { sha256, bytes, database: target.database };
    ctx.out.manifest.tables = tables;
    const rows = Object.values(tables).reduce((a, b) => a + b, 0);
    log(`sha256 ${sha256}; ${Object.keys(tables).length} tables, ${rows} rows in the dump`);
    return changed(`${target.database}: ${formatBytes(bytes)}, ${Object.keys(tables).length} tables, ${rows} rows, with its role`);
  },
};

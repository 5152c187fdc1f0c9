import { cmd, ignoreFailure, pipefail, redirect, script } from '@/lib/remote/command';
import { adminPsql } from '../configure/database';
import { formatBytes } from '../release/snapshot';
import { changed, unchanged, type Task } from '../task';
import { type BackupContext, LONG_MS } from './context';
import { countRowsInDump, parseCounts, rolesOf } from './pg';

/**
 * `pg_dump -Fc` of the app's database into the run's staging directory: written under a
 * temporary name, read back whole by `pg_restore --list`, checksummed, and only then moved to
 * its name (a full disk or a killed pg_dump can never leave a dump that looks whole). The role
 * and its grants go beside it (roles.sql); the rows per table are counted from the dump's own
 * data, so a drill compares a restore with what was dumped, not with the live database.
 */
export const dump: Task<BackupContext> = {
  name: 'dump',
  async run(ctx, { transport, log, signal }) {
    const p = ctx.paths;
    await transport.exec(cmd('install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', p.stage), { signal });
    const target = ctx.database;
    if (!target) return unchanged(ctx.policy.database ? 'the app has no Berth-managed database' : 'the policy leaves the database out');
    const admin = await adminPsql(transport);
    const partial = `${p.dump}.partial`;
    log(`pg_dump -Fc of ${target.database} (${admin.via})`);
    let out: string;
    try {
      out = (
        await transport.runScript(
          script(
            cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', partial),
            redirect(admin.client('pg_dump', '-w', '-Fc', '-d', target.database), partial),
            redirect(cmd('pg_restore', '--list', partial), '/dev/null'),
            pipefail(cmd('sha256sum', partial), cmd('cut', '-d', ' ', '-f', '1')),
            cmd('stat', '-c', '%s', partial),
            cmd('mv', '-f', '-T', partial, p.dump),
          ),
          { signal, timeoutMs: LONG_MS },
        )
      ).stdout;
    } catch (err) {
      await transport.exec(ignoreFailure(cmd('rm', '-f', partial))).catch(() => undefined);
      throw err;
    }
    const [sha256, size] = out.trim().split('\n').slice(-2);
    if (!/^[0-9a-f]{64}$/.test(sha256 ?? '')) throw new Error(`could not read the dump's checksum: ${out.slice(-200)}`);
    const bytes = Number(size);
    await transport.runScript(
      script(
        cmd('install', '-m', '0600', '-o', 'root', '-g', 'root', '/dev/null', p.roles),
        redirect(rolesOf(admin, target.role), p.roles),
      ),
      { signal },
    );
    const counted = await transport.exec(countRowsInDump(p.dump), { signal, timeoutMs: LONG_MS });
    const tables = parseCounts(counted.stdout);
    ctx.out.manifest.dump = { sha256: sha256!, bytes, database: target.database };
    ctx.out.manifest.tables = tables;
    const rows = Object.values(tables).reduce((a, b) => a + b, 0);
    log(`sha256 ${sha256}; ${Object.keys(tables).length} tables, ${rows} rows in the dump`);
    return changed(`${target.database}: ${formatBytes(bytes)}, ${Object.keys(tables).length} tables, ${rows} rows, with its role`);
  },
};
